"""The notes' network experiment from Python: the MLP with each optimizer call of the notes.

    python examples/lab_compare.py [--epochs 2] [--jobs 1] [--out runs/compare_example]

Same as ``deepgrad compare``; prints a progress line per run and the Markdown table.
"""

import argparse

from deepgrad.lab import compare

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--jobs", type=int, default=1)
parser.add_argument("--out", default="runs/compare_example")
args = parser.parse_args()

results = compare.compare(args.out, epochs=args.epochs, jobs=args.jobs)
print(compare.results_table(results))
