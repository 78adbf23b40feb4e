"""`adversarial` §6.4, Lemma 18 and the steps of its proof: the gradient bound, the linearised comparator
(a factor-2 slip: the diameter of Delta(x) is 2 nu), the loss transfer from l_- to -l', and the per-run
guarantee (6.5)-(6.6) of Algorithm 5. Seed 000_f4de404d0cfe4539.txt l. 12604-12890.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from theorycheck import BoundSearch, Relation, Source, Space, Tolerance, declare, float_tolerance, mutant

from . import model as M
from .spaces import SEED, nets

# --- gradient bounds ----------------------------------------------------------------------------------


def _aligned(d) -> dict:
    """The equality case: a_r = kappa, equal rows w_r = c v, delta = x + nu x/||x|| with v . x > 0 (all units
    active), so ||grad_delta f|| = m kappa c = kappa sqrt(m) ||W||_F and ||grad_W f||_F^2 = m kappa^2 ||delta||^2."""
    dim, m = d.choice((1, 2, 5)), d.choice((1, 3, 20))
    v = d.normal(dim)
    v /= max(np.linalg.norm(v), 1e-300)
    x = np.abs(d.normal(dim)) * np.sign(v) + 0.1 * v
    nu = d.log_uniform(0.05, 2.0)
    kappa = d.log_uniform(0.2, 3.0)
    return {"d": dim, "m": m, "alpha": d.uniform(0.05, 1.0), "kappa": kappa, "a": np.full(m, kappa),
            "W": np.outer(np.ones(m), v) * d.log_uniform(0.1, 3.0), "x": x, "nu": nu,
            "delta": x + nu * x / np.linalg.norm(x), "y": 1.0, "c": 1.0}


aligned = Space(_aligned, regimes=("equal active rows",), description="the equality case of both gradient bounds")


def input_grad_norm(i):
    g = M.grad_input(M.t(i.W), M.t(i.a), M.t(i.delta).reshape(1, -1), i.alpha)[0]
    return float(g.norm())


def weight_grad_sq(i):
    g = M.grad_weights(M.t(i.W), M.t(i.a), M.t(i.delta).reshape(1, -1), i.alpha)[0]
    return float((g * g).sum())


GRAD_TOL = float_tolerance(64, what="m d <= 100 products and a norm")

aux_gradbound = declare(
    "adversarial/aux-gradbound",
    title="||grad_delta f_W|| <= kappa sqrt(m) ||W||_F and ||grad_W f_delta||_F^2 <= m kappa^2 (R + nu)^2",
    source=Source(SEED, "proofs of Lemma 18 and Lemma 19", lines="12650-12665, 13088-13095"),
    statement=r"\|\nabla_\delta f_W(\delta)\|\le\kappa\sum_r\|w_r\|\le\kappa\sqrt m\|W\|_F,\ "
              r"\|\nabla_Wf_\delta(W)\|_F^2\le m\kappa^2\|\delta\|^2\le m\kappa^2(R+\nu)^2",
    hypotheses=["||a||_inf <= kappa", "sigma' in {alpha, 1}, alpha in (0, 1]", "||delta|| <= R + nu (here R + nu := ||x|| + nu)"],
    scope="Both bounds are attained (equal active rows, ||delta|| = ||x|| + nu), so a 10 % change of either is refuted.",
    claimed=lambda i: i.kappa * math.sqrt(i.m) * np.linalg.norm(i.W),
    parts={"weight_bound": lambda i: i.m * i.kappa**2 * (np.linalg.norm(i.x) + i.nu) ** 2},
    checks=[Relation(observed=input_grad_norm, space=nets, relation="<=", instances=28, tolerance=GRAD_TOL,
                     label="input gradient, random nets (|a_r| <= kappa)"),
            Relation(observed=input_grad_norm, space=aligned, instances=8, tolerance=GRAD_TOL, label="input gradient, equality case"),
            Relation(observed=weight_grad_sq, claimed="weight_bound", space=nets, relation="<=", instances=28,
                     tolerance=GRAD_TOL, label="weight gradient, random nets"),
            Relation(observed=weight_grad_sq, claimed="weight_bound", space=aligned, instances=8, tolerance=GRAD_TOL,
                     label="weight gradient, equality case")],
    mutants=[mutant("no sqrt(m)", "kappa ||W||_F", claimed=lambda i: i.kappa * np.linalg.norm(i.W)),
             mutant("alpha kappa sqrt(m)", "the leaky slope as a factor", claimed=lambda i: i.alpha * i.kappa * math.sqrt(i.m)
                    * np.linalg.norm(i.W)),
             mutant("no m", "kappa^2 (R + nu)^2", weight_bound=lambda i: i.kappa**2 * (np.linalg.norm(i.x) + i.nu) ** 2)],
    tags=["lemma-18", "lemma-19"],
)


# --- the linearised comparator (inside the proof of Lemma 18) ----------------------------------------

def _linearisation(d) -> dict:
    regime = d.regime
    kappa, nu = d.log_uniform(0.2, 3.0), d.log_uniform(0.05, 2.0)
    if regime.startswith("constructed"):
        # m = 1, w = e_1, a = -kappa, y = 1, x = nu (1 - eps) e_1, delta* = x + nu e_1, delta_t = x - nu e_1
        eps = 1e-9
        alpha = {"constructed, alpha < 1/2": d.uniform(0.05, 0.45),
                 "constructed, alpha = 1/2 + eps": 0.5 + eps}.get(regime, 0.5)
        x = np.array([nu * (1 - eps), 0.0])
        return {"m": 1, "alpha": alpha, "kappa": kappa, "a": np.array([-kappa]), "W": np.array([[1.0, 0.0]]), "x": x,
                "y": 1.0, "nu": nu, "delta_star": x + np.array([nu, 0.0]), "delta_t": x - np.array([nu, 0.0]), "eps": eps}
    m = d.choice((1, 3, 20))
    signs = np.where(d.normal(m) > 0, 1.0, -1.0)
    W, x = d.normal(m, 2), d.normal(2) * d.log_uniform(0.05, 2.0)
    pts = []
    for _ in range(2):
        u = d.normal(2)
        pts.append(x + nu * (1.0 if regime == "on the circle" else d.uniform(0, 1)) * u / max(np.linalg.norm(u), 1e-300))
    return {"m": m, "alpha": d.uniform(0.0, 1.0), "kappa": kappa, "a": kappa * signs, "W": W, "x": x,
            "y": d.choice((-1.0, 1.0)), "nu": nu, "delta_star": pts[0], "delta_t": pts[1], "eps": 0.0}


lin_space = Space(_linearisation, regimes=("typical", "on the circle", "constructed, alpha < 1/2",
                                           "constructed, alpha = 1/2 + eps"),
                  description="random delta_t, delta* in Delta(x) (d = 2) and the two-point construction on a line")
constructed = Space(_linearisation, regimes=("constructed, alpha = 1/2 + eps",),
                    description="the construction at alpha = 1/2 + 1e-9, where the bound and the halving are attained")


def comparator_gap(i):
    """y <grad f(delta_t) - grad f(delta*), delta*>."""
    W, a = M.t(i.W), M.t(i.a)
    pts = M.t(np.stack([i.delta_t, i.delta_star]))
    g = M.grad_input(W, a, pts, i.alpha)
    return float(i.y * ((g[0] - g[1]) @ pts[1]))


def halving(i, parts):
    """y f_{W,t}(delta*) = y <grad f(delta_t), delta*> when delta* is beta-effective at the threshold; else a
    vacuous value below the claimed half margin."""
    W, a = M.t(i.W), M.t(i.a)
    pts = M.t(np.stack([i.delta_t, i.delta_star]))
    z_star = float(i.y * M.f(W, a, pts[1:], i.alpha)[0])
    beta = parts["beta_threshold"](i)
    if z_star > -beta * np.linalg.norm(i.W):
        return parts["half_margin"](i) - 1.0
    return float(i.y * (M.grad_input(W, a, pts[:1], i.alpha)[0] @ pts[1]))


def _half_margin(i):
    return 0.5 * float(i.y * M.f(M.t(i.W), M.t(i.a), M.t(i.delta_star).reshape(1, -1), i.alpha)[0])


LIN_TOL = float_tolerance(64, atol=1e-15, what="m d <= 40 products")


def _linearisation_claim(id_, factor, status, **fields):
    return declare(
        id_,
        title=f"the linearised comparator: y<grad f(delta_t) - grad f(delta*), delta*> <= {factor:g}(1-alpha) kappa nu sqrt(m) ||W||_F",
        source=Source(SEED, "proof of Lemma 18 (the effective attack stays effective on f_{W,t})", lines="12760-12830"),
        statement=(r"y\langle\nabla f_W(\delta_t)-\nabla f_W(\delta^*),\delta^*\rangle\le "
                   + ("" if factor == 1 else "2") + r"(1-\alpha)\kappa\nu\sqrt m\|W\|_F;\ "
                   r"\beta\ge" + ("2" if factor == 1 else "4") + r"\nu(1-\alpha)\kappa\sqrt m\Rightarrow "
                   r"yf_{W,t}(\delta^*)\le\tfrac12yf_W(\delta^*)"),
        hypotheses=["delta_t, delta* in Delta(x), |a_r| <= kappa", "delta* beta-effective: y f_W(delta*) <= -beta ||W||_F"],
        claimed=lambda i, _k=factor: _k * (1 - i.alpha) * i.kappa * i.nu * math.sqrt(i.m) * np.linalg.norm(i.W),
        parts={"beta_threshold": (lambda i: 2 * i.nu * (1 - i.alpha) * i.kappa * math.sqrt(i.m)) if factor == 1
               else (lambda i: 4 * i.nu * (1 - i.alpha) * i.kappa * math.sqrt(i.m)),
               "half_margin": _half_margin},
        # the erratum's counterexample is constructed (regime 'constructed'): no Hypothesis shrinking needed
        checks=[Relation(observed=comparator_gap, space=lin_space, relation="<=", instances=24, tolerance=LIN_TOL,
                         shrink=factor != 1, label="random pairs in the disc and the construction"),
                Relation(observed=halving, claimed="half_margin", space=lin_space, relation="<=", instances=24,
                         tolerance=LIN_TOL, shrink=factor != 1, label="halving of an effective attack")]
        + ([] if factor == 1 else [
            Relation(observed=comparator_gap, space=constructed, instances=4,
                     tolerance=Tolerance(1e-9, 1e-15, "the construction attains the bound up to the factor (2 - eps)/2, "
                                                      "eps = 1e-9"), label="bound attained"),
            Relation(observed=halving, claimed="half_margin", space=constructed, instances=4,
                     tolerance=Tolerance(2e-9, 1e-15, "at alpha = 1/2 + eps the halving holds with ratio 2 alpha = 1 + 2e-9"),
                     label="halving attained at the threshold")]),
        mutants=[mutant("<= 0", "the comparator never increases the margin", claimed=lambda i: 0.0),
                 mutant("threshold halved", "beta >= (half the threshold) suffices for the halving",
                        beta_threshold=lambda i, _k=factor: _k * i.nu * (1 - i.alpha) * i.kappa * math.sqrt(i.m))]
        + ([] if factor == 1 else [mutant("printed nu", "the printed bound (1-alpha) kappa nu sqrt(m) ||W||_F",
                                          claimed=lambda i: (1 - i.alpha) * i.kappa * i.nu * math.sqrt(i.m) * np.linalg.norm(i.W))]),
        depends_on=["adversarial/aux-gradbound"], status=status, tags=["lemma-18"], **fields)


aux_linearization = _linearisation_claim(
    "adversarial/aux-linearization", 1, "erratum",
    erratum_note="The last Cauchy-Schwarz step bounds ||delta* - delta_t|| by nu, but both points lie in a ball of "
                 "radius nu, so the distance is up to 2 nu. Counterexample (m = 1, d = 2, w = e_1, a = -kappa, y = 1, "
                 "x = nu(1 - eps) e_1, delta* = x + nu e_1, delta_t = x - nu e_1): the left side is kappa (1 - alpha) "
                 "nu (2 - eps) > kappa (1 - alpha) nu; e.g. kappa = nu = 1, alpha = 0.2: 1.6 > 0.8. The halving then "
                 "fails at the printed threshold beta = 2 nu (1 - alpha) kappa sqrt(m): delta* is beta-effective "
                 "(y f = -kappa nu (2 - eps) <= -beta) but y f_{W,t}(delta*) = -alpha kappa nu (2 - eps) > "
                 "y f(delta*)/2 for alpha < 1/2. Also the sum is printed over j not in I_t (it must be j in I_t).",
    scope="The proof step, not Lemma 18's conclusion: the conclusion was not falsified at the printed threshold "
          "(see adversarial/lemma-18).")

aux_linearization_corrected = _linearisation_claim(
    "adversarial/aux-linearization-corrected", 2, "claim", corrects="adversarial/aux-linearization",
    scope="With ||delta_t - delta*|| <= 2 nu the bound is 2(1 - alpha) kappa nu sqrt(m) ||W||_F, attained by the "
          "construction up to (2 - eps)/2, and the halving needs beta >= 4 nu (1 - alpha) kappa sqrt(m) (attained "
          "at alpha = 1/2 + eps, beta = kappa nu (2 - eps)): a 10 % change of the factor 2 or of the threshold is refuted.")


# --- loss transfer --------------------------------------------------------------------------------------

def _transfer(d) -> dict:
    regime = d.regime
    if regime == "z = 0, eps = 0":
        return {"z": 0.0, "zp": math.log(3.0), "extra": 0.0}
    if regime == "z = 0, on the equality curve":
        eps = d.log_uniform(1e-6, 3.0)
        return {"z": 0.0, "zp": math.log(4 * math.exp(eps) - 1), "extra": 0.0, "eps_fixed": eps}
    z = d.uniform(-20.0, 20.0)
    zp = math.log(math.exp(z) + 2 * math.exp(z / 2)) if regime == "eps = 0 curve" else d.uniform(-20.0, 20.0)
    return {"z": z, "zp": zp, "extra": 0.0 if regime == "eps = 0 curve" else d.log_uniform(1e-8, 1.0) * d.choice((0.0, 1.0))}


transfers = Space(_transfer, regimes=("typical", "eps = 0 curve", "z = 0, eps = 0", "z = 0, on the equality curve"),
                  description="z, z' in [-20, 20], eps = (2 l_-(z/2) - l_-(z'))_+ + extra")
sharp_transfers = Space(_transfer, regimes=("z = 0, eps = 0",), description="the equality case of the transfer")
sharp_intermediate = Space(_transfer, regimes=("z = 0, on the equality curve",),
                           description="z = 0, 1 + e^{z'} = 4 e^eps: the intermediate bound is attained for every eps")


def _eps(i):
    """The smallest eps with 2 l_-(z/2) <= l_-(z') + eps, plus ``extra``."""
    z, zp = torch.as_tensor(i.z, dtype=M.F64), torch.as_tensor(i.zp, dtype=M.F64)
    return torch.clamp(2 * M.reflected(z / 2) - M.reflected(zp), min=0.0) + i.extra


def transfer_lhs(i):
    return -M.dloss(torch.as_tensor(i.z, dtype=M.F64))


TRANSFER_TOL = float_tolerance(32, atol=1e-15, what="softplus/sigmoid of O(20) arguments")

aux_losstransfer = declare(
    "adversarial/aux-losstransfer",
    title="2 l_-(z/2) <= l_-(z') + eps implies -l'(z) <= 2 e^eps (-l'(z')) <= -2 l'(z') + 4 eps",
    source=Source(SEED, "proof of Lemma 18, from (6.5) to (6.6)", lines="12835-12885"),
    statement=r"2\ell_-(z/2)\le\ell_-(z')+\epsilon\Rightarrow-\ell'(z)\le2e^{\epsilon}(-\ell'(z'))\le-2\ell'(z')+4\epsilon",
    hypotheses=["z, z' real, eps >= 0"],
    scope="The seed uses e^u <= 1 + 2u 'for all u in [0, 1]' with u = nu^2/(eta T), which may exceed 1; the "
          "conclusion still holds (for eps >= 1/4 it is trivial since -l' <= 1), checked on all eps >= 0. "
          "Both bounds are attained at z = 0 (eps = 0, z' = log 3 for the final one; every eps on "
          "1 + e^{z'} = 4 e^eps for the intermediate), so a 10 % change is refuted.",
    claimed=lambda i: -2 * M.dloss(torch.as_tensor(i.zp, dtype=M.F64)) + 4 * _eps(i),
    parts={"intermediate": lambda i: 2 * torch.exp(_eps(i)) * -M.dloss(torch.as_tensor(i.zp, dtype=M.F64))},
    checks=[BoundSearch(observed=transfer_lhs, space=transfers, variables=["z", "zp"], instances=8, steps=30, lr=0.2,
                        tolerance=TRANSFER_TOL, label="random (z, z', eps), then Adam ascent on the violation"),
            Relation(observed=transfer_lhs, space=sharp_transfers, instances=1, tolerance=TRANSFER_TOL,
                     label="equality at z = 0, eps = 0, z' = log 3"),
            BoundSearch(observed=transfer_lhs, claimed="intermediate", space=transfers, variables=["z", "zp"], instances=8,
                        steps=30, lr=0.2, tolerance=TRANSFER_TOL, label="intermediate bound, ascent"),
            Relation(observed=transfer_lhs, claimed="intermediate", space=sharp_intermediate, instances=6,
                     tolerance=TRANSFER_TOL, label="intermediate bound attained at z = 0")],
    mutants=[mutant("no + 4 eps", "the residual dropped",
                    claimed=lambda i: -2 * M.dloss(torch.as_tensor(i.zp, dtype=M.F64))),
             mutant("factor 1", "-l'(z) <= -l'(z') + 4 eps",
                    claimed=lambda i: -M.dloss(torch.as_tensor(i.zp, dtype=M.F64)) + 4 * _eps(i)),
             mutant("e^eps without 2", "-l'(z) <= e^eps (-l'(z'))",
                    intermediate=lambda i: torch.exp(_eps(i)) * -M.dloss(torch.as_tensor(i.zp, dtype=M.F64)))],
    depends_on=["adversarial/aux-losses"],
    tags=["lemma-18"],
)


# --- Lemma 18: the guarantee of Algorithm 5, per run ------------------------------------------------

def _lemma18(d) -> dict:
    regime = d.regime
    if regime == "T = 1, alpha = 1, near-tight":
        # aligned rows (||W'a|| = kappa sqrt(m) ||W||_F), y f(x) = 0.999 D, D = nu ||u|| = 1/32: the case where
        # -2 l' is needed (with -l' the bound fails), see the scope
        m, kappa = d.choice((1, 3, 10)), d.log_uniform(0.3, 3.0)
        v = d.normal(2)
        v /= max(np.linalg.norm(v), 1e-300)
        signs = np.where(d.normal(m) > 0, 1.0, -1.0)
        c = d.log_uniform(0.3, 3.0)
        W, a = np.outer(signs, v) * c, kappa * signs
        u_norm = m * kappa * c
        y = d.choice((-1.0, 1.0))
        D = 1.0 / 32
        perp = np.array([-v[1], v[0]])
        x = y * v * 0.999 * D / u_norm + d.normal(1)[0] * perp
        return {"m": m, "alpha": 1.0, "kappa": kappa, "a": a, "W": W, "x": x, "y": y, "nu": D / u_norm,
                "eta_factor": 1.0, "T": 1}
    if regime == "confident point, T = 1000":
        # aligned rows, y f(x) = 8, y f(x) - nu ||u|| = -1: the unreflected gradient l'(8) ~ e^{-8} stalls the
        # standard attack (its RHS ends near 4 nu^2/(eta T) = 0.32 < -l'(-1) = 0.73); the reflected one does not
        m, kappa = d.choice((1, 3)), d.log_uniform(0.3, 3.0)
        v = d.normal(2)
        v /= max(np.linalg.norm(v), 1e-300)
        signs = np.where(d.normal(m) > 0, 1.0, -1.0)
        c = d.log_uniform(0.3, 3.0)
        u_norm = m * kappa * c
        y = d.choice((-1.0, 1.0))
        return {"m": m, "alpha": 1.0, "kappa": kappa, "a": kappa * signs, "W": np.outer(signs, v) * c,
                "x": y * v * 8.0 / u_norm, "y": y, "nu": 9.0 / u_norm, "eta_factor": 1.0, "T": 1000}
    m = d.choice((1, 2, 5, 20))
    alpha = 1.0 if regime == "alpha = 1" else d.choice((0.05, 0.2, 0.5, 0.9))
    kappa = d.log_uniform(0.2, 2.0)
    signs = np.where(d.normal(m) > 0, 1.0, -1.0)
    return {"m": m, "alpha": alpha, "kappa": kappa, "a": kappa * signs, "W": d.normal(m, 2) * d.log_uniform(0.1, 3.0),
            "x": d.normal(2) * d.log_uniform(0.2, 3.0), "y": d.choice((-1.0, 1.0)), "nu": d.log_uniform(0.05, 2.0),
            "eta_factor": d.choice((1.0, 0.5, 0.1)), "T": 30 if regime == "T = 30" else d.choice((1, 2, 3, 5, 10, 30))}


def exact_attack(i):
    """(z*, delta*): the exact minimiser of y f over the disc, the strongest beta-effective attack."""
    W, a = M.t(i.W), M.t(i.a)
    vals, arg = M.exact_margin_2d(W, a, M.t(i.x).reshape(1, 2), M.t([i.y]), i.nu, i.alpha)
    return float(vals[0]), arg[0]


def _effective(i):
    """Lemma 18's hypothesis: delta* is beta-effective for beta = 2 nu (1 - alpha) kappa sqrt(m) (printed)."""
    beta = 2 * i.nu * (1 - i.alpha) * i.kappa * math.sqrt(i.m)
    return exact_attack(i)[0] <= -beta * np.linalg.norm(i.W) and (i.alpha == 1.0 or exact_attack(i)[0] < 0)


attack_runs = Space(_lemma18, regimes=("typical", "alpha = 1", "T = 30", "T = 1, alpha = 1, near-tight",
                                       "confident point, T = 1000"),
                    require=_effective,
                    description="d = 2 nets with an exact beta-effective minimiser (beta = 2 nu (1-alpha) kappa sqrt(m)), "
                                "eta = {1, 0.5, 0.1} / (kappa^2 m ||W||_F^2), T in {1, 2, 3, 5, 10, 30}")


def run_attack(i, parts):
    """z_atk = y f_W(delta_atk) of Algorithm 5 at the instance's step size and T, and the step size used."""
    W, a = M.t(i.W), M.t(i.a)
    eta = i.eta_factor * parts["eta_limit"](i)
    best = parts["attack"](W[None], a[None], M.t(i.x)[None], M.t([i.y]), M.t([i.nu]), M.t([eta]), torch.tensor([i.T]), i.alpha)
    return float(i.y * M.f(W, a, best, i.alpha)[0]), eta


def lemma18_rhs(i, parts):
    """(6.6): -2 l'(y f_W(delta_atk)) + 4 nu^2 / (eta_atk T_atk)."""
    z_atk, eta = run_attack(i, parts)
    return float(-2 * M.dloss(M.t(z_atk))) + 4 * i.nu**2 / (eta * i.T)


def lemma18_lhs(i):
    return float(-M.dloss(M.t(exact_attack(i)[0])))


def attack_distance(i, parts):
    """||delta_atk - x||: the attack's output lies in Delta(x) (PGD ends on the boundary on most runs)."""
    W, a = M.t(i.W), M.t(i.a)
    eta = i.eta_factor * parts["eta_limit"](i)
    best = parts["attack"](W[None], a[None], M.t(i.x)[None], M.t([i.y]), M.t([i.nu]), M.t([eta]), torch.tensor([i.T]), i.alpha)
    return float((best[0] - M.t(i.x)).norm())


def ineq_6_5(i, parts):
    """(6.5): l_-(y f_W(delta_atk)) + nu^2 / (eta_atk T_atk)."""
    z_atk, eta = run_attack(i, parts)
    return float(M.reflected(M.t(z_atk))) + i.nu**2 / (eta * i.T)


ATTACK_TOL = float_tolerance(256, atol=1e-14, what="evaluating l' and l_- at the returned points and the exact minimum, O(1) terms")

lemma_18 = declare(
    "adversarial/lemma-18",
    title="PGD on the reflected loss finds an approximate attack: -l'(z*) <= -2 l'(z_atk) + 4 nu^2/(eta T)",
    source=Source(SEED, "Lemma 18", "(6.5), (6.6)", "12620-12635, proof 12636-12890", also="§1.3.4 l. 1633-1636"),
    statement=r"\delta^*\ \beta\text{-effective},\ \beta\ge2\nu(1-\alpha)\kappa\sqrt m,\ \eta_{atk}\le\tfrac1{\kappa^2m\|W\|_F^2}"
              r"\Rightarrow-\ell'(yf_W(\delta^*))\le-2\ell'(yf_W(\delta_{atk}))+\tfrac{4\nu^2}{\eta_{atk}T_{atk}},\ "
              r"2\ell_-(yf_W(\delta^*)/2)\le\ell_-(yf_W(\delta_{atk}))+\tfrac{\nu^2}{\eta_{atk}T_{atk}}",
    hypotheses=["|a_r| <= kappa, alpha in (0, 1]", "delta_1 = x (Algorithm 5)",
                "the printed threshold 2 nu (1 - alpha) kappa sqrt(m); the proof supports only 4 nu (...) "
                "(adversarial/aux-linearization)"],
    scope="Checked per run of Algorithm 5 (d = 2) with delta* the exact minimiser of y f over Delta(x) (it maximises the "
          "left side over all beta-effective attacks), at the printed threshold, at the step-size limit and below it, "
          "T from 1 to 30, and T = 1000 at a confidently classified point (where standard PGD stalls: the unreflected "
          "attack violates (6.6) there, so the reflection is what the lemma needs). The conclusion held on every run (also in the gap 2 nu..4 nu of the threshold, where the "
          "proof does not apply). The bound is loose by about 2 on every run (LHS/RHS <= 0.51, attained at T = 1, "
          "alpha = 1, y f(x) ~ nu ||W'a|| ~ 1/32): halving the factor 2 (-l' for -2 l') is refuted there; a 10 % "
          "loosening of the rate 4 nu^2/(eta T) or of (6.5)'s nu^2/(eta T) is not refutable (constants not tested "
          "below 2x).",
    claimed=lemma18_rhs,
    parts={"attack": M.pgd_attack, "eta_limit": lambda i: 1.0 / (i.kappa**2 * i.m * np.linalg.norm(i.W) ** 2),
           "ineq_6_5": ineq_6_5, "radius": lambda i: i.nu},
    untested={"claimed": "(6.6) is loose by ~2 on every run (LHS/RHS <= 0.506, at T = 1, alpha = 1): a 10 % change of "
                         "its right side is not refuted; halving the factor 2 is (the mutant)",
              "eta_limit": "the proof needs eta kappa^2 m ||W||^2 <= 1 only through eta^2 l_-'^2 ||grad f||^2 <= -eta l_-, "
                           "which has slack 0.41 (aux-losses (b)); a 10 % larger step is not refuted on the runs",
              "ineq_6_5": "(6.5) holds with slack on every run (its gap nu^2/(eta T) exceeds the suboptimality); "
                          "a 10 % change is not refuted"},
    checks=[Relation(observed=lemma18_lhs, space=attack_runs, relation="<=", instances=20, tolerance=ATTACK_TOL,
                     label="(6.6) per run"),
            Relation(observed=lambda i: float(2 * M.reflected(M.t(exact_attack(i)[0] / 2))), claimed="ineq_6_5",
                     space=attack_runs, relation="<=", instances=20, tolerance=ATTACK_TOL, label="(6.5) per run"),
            Relation(observed=attack_distance, claimed="radius", space=attack_runs, relation="<=", instances=20,
                     tolerance=float_tolerance(64, what="a projection onto the ball"), label="delta_atk in Delta(x)")],
    mutants=[mutant("-l'(z_atk)", "the factor 2 of the transfer dropped",
                    claimed=lambda i, parts: lemma18_rhs(i, parts) + float(M.dloss(M.t(run_attack(i, parts)[0])))),
             mutant("unreflected attack", "standard PGD (l' in the update) at the same step size",
                    attack=lambda W, a, x, y, nu, eta, T, alpha: M.pgd_attack(W, a, x, y, nu, eta, T, alpha, loss_grad=M.dloss))],
    depends_on=["adversarial/algorithm-5", "adversarial/definition-7", "adversarial/aux-gradbound",
                "adversarial/aux-linearization-corrected", "adversarial/aux-losstransfer", "adversarial/aux-losses",
                "adversarial/aux-homogeneity"],
    tags=["lemma-18"],
)

CLAIMS = [aux_gradbound, aux_linearization, aux_linearization_corrected, aux_losstransfer, lemma_18]
