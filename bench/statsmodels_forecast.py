#!/usr/bin/python3
"""Fits statsmodels' UnobservedComponents to the series written by bench_forecast.

    /usr/bin/python3 bench/statsmodels_forecast.py SERIES.json [--repeats N]

SERIES.json: {"horizon": 56, "period": 7, "series": [[y_0, y_1, ...], ...]} with the training
part of each log-scale daily series, null where a day is missing (statsmodels' Kalman filter
skips NaN observations, as ours does).

Model, per series (the closest statsmodels has to bench_forecast's structural model):

  UnobservedComponents(y, level="local linear trend", seasonal=7)

i.e. stochastic level + stochastic slope (no damping: statsmodels' UC has damped_cycle but no
damped trend), stochastic dummy seasonal of period 7 (the same seasonal form as ours) and an
irregular term. Fitted with .fit(disp=False): maximum likelihood, the default method (lbfgs) and
its default maxiter and starting values. Then get_forecast(horizon) with 90 % intervals
(conf_int(alpha=0.1)).

Timed with time.perf_counter around fit + forecast only (model construction included, since it
is part of fitting a series; reading the file and building the reply are not), summed over the
series; best total of --repeats.

Prints one JSON object on stdout: versions, spec, times and per series the forecast means and
90 % bounds. Exits 3 when NumPy or statsmodels cannot be imported.
"""

import argparse
import json
import sys
import time
import warnings

try:
    import numpy as np
    import statsmodels
    from statsmodels.tsa.statespace.structural import UnobservedComponents
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"statsmodels_forecast: {error} (apt-get install python3-statsmodels)", file=sys.stderr)
    sys.exit(3)

SPEC = 'UnobservedComponents(level="local linear trend", seasonal=7).fit(disp=False)'


def fit_and_forecast(y, period, horizon):
    model = UnobservedComponents(y, level="local linear trend", seasonal=period)
    result = model.fit(disp=False)
    forecast = result.get_forecast(horizon)
    mean = np.asarray(forecast.predicted_mean)
    bounds = np.asarray(forecast.conf_int(alpha=0.1))
    converged = bool(result.mle_retvals.get("converged", False)) if result.mle_retvals else False
    return mean, bounds, converged, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("series")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with open(args.series, encoding="utf-8") as f:
        spec = json.load(f)
    horizon = int(spec["horizon"])
    period = int(spec.get("period", 7))
    series = [np.array([np.nan if v is None else float(v) for v in s]) for s in spec["series"]]

    totals = []
    outputs = None
    for _ in range(max(1, args.repeats)):
        outputs = []
        total = 0.0
        for y in series:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning etc.: reported per series
                start = time.perf_counter()
                mean, bounds, converged, result = fit_and_forecast(y, period, horizon)
                total += time.perf_counter() - start
            outputs.append(
                {
                    "mean": [float(v) for v in mean],
                    "lower_90": [float(v) for v in bounds[:, 0]],
                    "upper_90": [float(v) for v in bounds[:, 1]],
                    "converged": converged,
                    "iterations": int(result.mle_retvals.get("iterations", -1))
                    if result.mle_retvals
                    else -1,
                    "llf": float(result.llf),
                    "params": {k: float(v) for k, v in zip(result.param_names, result.params)},
                }
            )
        totals.append(total)
    out = {
        "statsmodels_version": statsmodels.__version__,
        "numpy_version": np.__version__,
        "spec": SPEC.replace("seasonal=7", f"seasonal={period}"),
        "method": "lbfgs (fit() default)",
        "time_s": min(totals),
        "times_s": totals,
        "series": outputs,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
