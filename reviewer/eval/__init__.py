"""The evaluation harness: replay a dataset of real changes through the pipeline and
measure findings and verdicts (``reviewer eval run|report``; method in docs/eval.md)."""

from reviewer.eval.dataset import Case, ExpectedFinding, load_dataset, materialise
from reviewer.eval.harness import EvalResults, run_dataset
from reviewer.eval.matching import DEFAULT_TOLERANCE, match_findings
from reviewer.eval.metrics import Metrics, compute_metrics
from reviewer.eval.runs import CaseRun

__all__ = [
    "DEFAULT_TOLERANCE",
    "Case",
    "CaseRun",
    "EvalResults",
    "ExpectedFinding",
    "Metrics",
    "compute_metrics",
    "load_dataset",
    "match_findings",
    "materialise",
    "run_dataset",
]
