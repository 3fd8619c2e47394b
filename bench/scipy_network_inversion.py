#!/usr/bin/python3
"""Solves a network-inversion problem written by bench_network_inversion with SciPy.

    /usr/bin/python3 bench/scipy_network_inversion.py PROBLEM.json [--repeats N]
        [--tr-solver lsmr|exact] [--tolerances matched|scipy]

The objective is exactly the one NetworkInversion::Solve hands to Ceres (0.5 x the sum of the
squared residuals, with Ceres' robust loss rho applied to the observed-load residuals only):

  observed load   r = (log L_obs - log L_model) / sigma, then the loss (see below)
  censored (<LOQ) r = sqrt(-2 log Phi((log L_loq - log L_model) / sigma)), 0 once that is
                  <= 1e-300 (as cost_functions.h' CensoredLoadCost)
  random walk     r = (theta_today - theta_yesterday) / sigma_rw
  prior           r = (theta - prior_mean) / sigma_prior
  log L_model = log sum_i w_i exp(theta_i) (log-sum-exp, as LogModelLoad)

SciPy's own `loss=` would apply one loss to every residual (priors and random walk too), so the
loss is applied inside the residual function instead, by the sqrt-rho trick: an observed
residual r becomes sign(r) sqrt(rho(r^2)), whose square is Ceres' rho(r^2), and the solver runs
with loss='linear'. The two objectives are then identical.

SciPy gets every fair advantage: an analytic sparse (CSR) Jacobian computed with vectorised
NumPy and a cached residual pass, method='trf', x_scale='jac', tr_solver 'lsmr' (the only one
that takes a sparse Jacobian; 'exact' densifies it: parameters x residuals x 8 bytes), and the
same stopping rule as Ceres (function, parameter and gradient tolerances, whose definitions
match). Only the least_squares call is timed (time.perf_counter, best of --repeats; also
time.process_time, the CPU seconds, which a busy machine disturbs less).

Prints one JSON object on stdout: times, nfev/njev, final cost, status and the solution x.
Exits 3 when NumPy or SciPy cannot be imported.
"""

import argparse
import json
import sys
import time

try:
    import numpy as np
    import scipy
    from scipy.optimize import least_squares
    from scipy.sparse import csr_matrix
    from scipy.special import log_ndtr
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"scipy_network_inversion: {error} (apt-get install python3-scipy)", file=sys.stderr)
    sys.exit(3)

HALF_LOG_TWO_PI = 0.91893853320467274178


class Loss:
    """Ceres' rho(s) for s = r^2 and its derivative, and the sqrt-rho residual map."""

    def __init__(self, kind, scale):
        self.kind = kind
        self.b = scale * scale

    def rho(self, s):
        if self.kind == "huber":
            return np.where(s > self.b, 2.0 * np.sqrt(s * self.b) - self.b, s)
        if self.kind == "cauchy":
            return self.b * np.log1p(s / self.b)
        return s

    def rho_prime(self, s):
        if self.kind == "huber":
            return np.where(s > self.b, np.sqrt(self.b / np.maximum(s, self.b)), 1.0)
        if self.kind == "cauchy":
            return 1.0 / (1.0 + s / self.b)
        return np.ones_like(s)

    def apply(self, r):
        """sign(r) sqrt(rho(r^2)) and its derivative with respect to r."""
        if self.kind == "trivial":
            return r, np.ones_like(r)
        s = r * r
        rho = self.rho(s)
        out = np.sign(r) * np.sqrt(rho)
        # d/dr sqrt(rho(r^2)) = rho'(r^2) |r| / sqrt(rho(r^2)); -> 1 as r -> 0.
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(rho > 0.0, self.rho_prime(s) * np.abs(r) / np.sqrt(rho), 1.0)
        return out, slope


class Problem:
    def __init__(self, spec):
        self.n = int(spec["parameters"])
        self.x0 = np.asarray(spec["x0"], dtype=float)
        obs = spec["observations"]
        offsets = np.asarray(obs["offsets"], dtype=np.int64)
        self.m_obs = len(offsets) - 1
        self.starts = offsets[:-1]
        counts = np.diff(offsets)
        term_row = np.repeat(np.arange(self.m_obs), counts)
        term_col = np.asarray(obs["columns"], dtype=np.int64)
        # Terms sorted by column within each residual (the sum does not care), so the CSR
        # Jacobian has sorted indices and SciPy never sorts them again.
        order = np.lexsort((term_col, term_row))
        self.term_row = term_row[order]
        self.term_col = term_col[order]
        self.log_w = np.log(np.asarray(obs["weights"], dtype=float))[order]
        self.y = np.asarray(obs["log_value"], dtype=float)
        self.sigma = np.asarray(obs["sigma"], dtype=float)
        self.censored = np.asarray(obs["censored"], dtype=bool)
        self.observed = ~self.censored
        rw = spec["random_walk"]
        self.rw_today = np.asarray(rw["today"], dtype=np.int64)
        self.rw_yesterday = np.asarray(rw["yesterday"], dtype=np.int64)
        self.rw_sigma = float(rw["sigma"])
        self.m_rw = len(self.rw_today)
        prior = spec["prior"]
        self.prior_mean = np.asarray(prior["mean"], dtype=float)
        self.prior_sigma = float(prior["sigma"])
        self.loss = Loss(spec["loss"]["kind"], float(spec["loss"]["scale"]))
        self.m = self.m_obs + self.m_rw + self.n

        # The Jacobian's CSR structure, fixed: observation rows (their terms, in order), then
        # random-walk rows (today, yesterday), then the prior's diagonal.
        indptr = np.concatenate(
            [
                offsets,
                offsets[-1] + 2 * np.arange(1, self.m_rw + 1),
                offsets[-1] + 2 * self.m_rw + np.arange(1, self.n + 1),
            ]
        )
        rw_cols = np.empty(2 * self.m_rw, dtype=np.int64)
        rw_low = np.minimum(self.rw_today, self.rw_yesterday)
        rw_cols[0::2] = rw_low
        rw_cols[1::2] = np.maximum(self.rw_today, self.rw_yesterday)
        self.indices = np.concatenate([self.term_col, rw_cols, np.arange(self.n)])
        self.indptr = indptr
        self.rw_data = np.empty(2 * self.m_rw)
        today_first = self.rw_today == rw_low
        self.rw_data[0::2] = np.where(today_first, 1.0, -1.0) / self.rw_sigma
        self.rw_data[1::2] = np.where(today_first, -1.0, 1.0) / self.rw_sigma
        self.prior_data = np.full(self.n, 1.0 / self.prior_sigma)
        self._x = None

    def _evaluate(self, x):
        """Residuals and the observation rows' Jacobian values, cached for the last x."""
        if self._x is not None and np.array_equal(x, self._x):
            return
        th = x[self.term_col] + self.log_w  # log(w_i) + theta_i
        mx = np.maximum.reduceat(th, self.starts)
        e = np.exp(th - mx[self.term_row])
        s = np.add.reduceat(e, self.starts)
        log_model = mx + np.log(s)
        p = e / s[self.term_row]  # d log L_model / d theta_i
        z = (self.y - log_model) / self.sigma
        r_obs = np.empty(self.m_obs)
        dr_dz = np.empty(self.m_obs)
        # Observed: r = z through the loss.
        r_o, slope = self.loss.apply(z[self.observed])
        r_obs[self.observed] = r_o
        dr_dz[self.observed] = slope
        # Censored: r = sqrt(-2 log Phi(z)).
        zc = z[self.censored]
        log_cdf = log_ndtr(zc)
        g = -2.0 * log_cdf
        live = g > 1e-300
        rc = np.where(live, np.sqrt(np.where(live, g, 1.0)), 0.0)
        # dr/dz = -phi(z) / Phi(z) / r.
        with np.errstate(divide="ignore", invalid="ignore"):
            dc = np.where(
                live,
                -np.exp(-0.5 * zc * zc - HALF_LOG_TWO_PI - log_cdf) / np.where(live, rc, 1.0),
                0.0,
            )
        r_obs[self.censored] = rc
        dr_dz[self.censored] = dc
        # dz/dtheta_i = -p_i / sigma.
        self._obs_data = -(dr_dz / self.sigma)[self.term_row] * p
        self._residuals = np.concatenate(
            [
                r_obs,
                (x[self.rw_today] - x[self.rw_yesterday]) / self.rw_sigma,
                (x - self.prior_mean) / self.prior_sigma,
            ]
        )
        self._x = x.copy()

    def residuals(self, x):
        self._evaluate(x)
        return self._residuals

    def jacobian(self, x):
        self._evaluate(x)
        data = np.concatenate([self._obs_data, self.rw_data, self.prior_data])
        jacobian = csr_matrix((data, self.indices, self.indptr), shape=(self.m, self.n))
        jacobian.has_sorted_indices = True  # by construction; saves a sort per iteration
        return jacobian

    def cost(self, x):
        r = self.residuals(x)
        return 0.5 * float(r @ r)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problem")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tr-solver", choices=["lsmr", "exact"], default="lsmr")
    parser.add_argument(
        "--tolerances",
        choices=["matched", "scipy"],
        default="matched",
        help="matched: Ceres' function/parameter/gradient tolerances (the default); "
        "scipy: least_squares' defaults (1e-8)",
    )
    args = parser.parse_args()
    with open(args.problem, encoding="utf-8") as f:
        spec = json.load(f)
    problem = Problem(spec)
    tol = spec["tolerances"]
    kwargs = dict(
        jac=problem.jacobian,
        method="trf",
        x_scale="jac",
        loss="linear",
        tr_solver=args.tr_solver,
        max_nfev=int(spec.get("max_nfev", 1000)),
        verbose=0,
    )
    if args.tolerances == "matched":
        kwargs.update(ftol=tol["function"], xtol=tol["parameter"], gtol=tol["gradient"])
    if args.tr_solver == "exact":
        dense_bytes = 8 * problem.m * problem.n
        if dense_bytes > 1 << 30:
            print(
                f"scipy_network_inversion: tr_solver='exact' needs a dense Jacobian of "
                f"{dense_bytes / 2**30:.1f} GiB ({problem.m} x {problem.n}); use lsmr",
                file=sys.stderr,
            )
            sys.exit(4)
        dense = problem.jacobian

        kwargs["jac"] = lambda x: dense(x).toarray()

    times = []
    cpu_times = []
    result = None
    for _ in range(max(1, args.repeats)):
        problem._x = None  # no cache carried over between repeats
        start = time.perf_counter()
        cpu_start = time.process_time()
        result = least_squares(problem.residuals, problem.x0.copy(), **kwargs)
        cpu_times.append(time.process_time() - cpu_start)
        times.append(time.perf_counter() - start)
    out = {
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "method": "trf",
        "tr_solver": args.tr_solver,
        "tolerances": args.tolerances,
        "time_s": min(times),
        "times_s": times,
        "cpu_s": min(cpu_times),
        "nfev": int(result.nfev),
        "njev": int(result.njev) if result.njev is not None else None,
        "initial_cost": problem.cost(problem.x0),
        "cost": float(result.cost),
        "status": int(result.status),
        "message": str(result.message),
        "optimality": float(result.optimality),
        "x": [float(v) for v in result.x],
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
