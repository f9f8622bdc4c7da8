"""Forecasting the yearly sunspot numbers with SimpleRNN, LSTM and GRU vs the naive forecast.

The series (1700-2008, 309 yearly values of the Wolf sunspot number) ships inside statsmodels
(``statsmodels.datasets.sunspots``; install the ``examples`` extra): nothing is downloaded.
Each model sees the last ``--window`` years (scaled to [0, 1] by the training maximum) and
predicts the next one; the first 80% of the years train it, the last 20% test it. The naive
baseline repeats the last observed value. Test errors are in sunspot-number units.

    python examples/sunspots_forecast.py [--window 20] [--epochs 150] [--out runs/sunspots]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from deepgrad import config, layers
from deepgrad.layers.core import Dense
from deepgrad.models import Sequential
from deepgrad.optimizers import Adam
from deepgrad.utils import sliding_windows


def load_series():
    try:
        from statsmodels.datasets import sunspots
    except ImportError as e:  # pragma: no cover - depends on the optional extra
        raise SystemExit("this example needs statsmodels: pip install 'deepgrad[examples]'") from e
    data = sunspots.load_pandas().data
    return data["YEAR"].to_numpy(dtype=int), data["SUNACTIVITY"].to_numpy(dtype=float)


def errors(pred, true):
    e = pred - true
    return {"mae": float(np.mean(np.abs(e))), "rmse": float(np.sqrt(np.mean(e ** 2)))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--window", type=int, default=20, help="years of history per sample")
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/sunspots")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    config.seed_rng(a.seed)
    years, series = load_series()
    x, y = sliding_windows(series, a.window, horizon=1)          # y[i] = series[i + window]
    target_years = years[a.window:]
    split = int(0.8 * len(x))
    scale = series[:split + a.window].max()                      # training part only
    xs, ys = (x / scale).astype("float32"), (y / scale).astype("float32")
    true = y[split:, 0]
    results = {"naive (last value)": errors(x[split:, -1, 0], true)}
    preds = {"naive (last value)": x[split:, -1, 0]}
    print(f"sunspots {years[0]}-{years[-1]}: {len(x)} windows of {a.window} years; "
          f"train {split} (to {target_years[split - 1]}), test {len(x) - split} "
          f"({target_years[split]}-{target_years[-1]})")
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        model = Sequential([getattr(layers, kind)(a.units, input_shape=(a.window, 1)), Dense(1)])
        model.compile(optimizer=Adam(learning_rate=a.lr), loss="mse")
        t0 = time.perf_counter()
        model.fit(xs[:split], ys[:split], batch_size=32, epochs=a.epochs, verbose=0)
        pred = model.predict(xs[split:], verbose=0)[:, 0] * scale
        results[kind] = {**errors(pred, true), "train_s": time.perf_counter() - t0}
        preds[kind] = pred
    print(f"{'model':<20}{'test MAE':>10}{'test RMSE':>11}")
    for name, r in results.items():
        print(f"{name:<20}{r['mae']:>10.2f}{r['rmse']:>11.2f}")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"args": vars(a), "results": results}, f, indent=1)
    plot(years, series, target_years[split:], preds, results, a.out)
    print(f"plots and results.json in {a.out}")
    return results


def plot(years, series, test_years, preds, results, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1]})
    ax.plot(years, series, color="0.6", label="observed")
    for name, pred in preds.items():
        ax.plot(test_years, pred, label=name, ls="--" if name.startswith("naive") else "-")
    ax.axvline(test_years[0], color="k", lw=0.8)
    ax.set(xlabel="year", ylabel="sunspot number", title="One-year-ahead forecasts (test period)")
    ax.legend(fontsize=8)
    names = list(results)
    bx.bar(range(len(names)), [results[n]["mae"] for n in names])
    bx.set_xticks(range(len(names)), [n.split(" ")[0] for n in names], rotation=30)
    bx.set(ylabel="test MAE", title="Test error")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "sunspots.png"), dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
