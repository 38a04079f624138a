"""The labels the reviewer sets (ARCHITECTURE.md), shared by intake, gates and publishing."""

LABEL_APPROVED = "reviewer: approved"
LABEL_WOULD_APPROVE = "reviewer: would-approve"
LABEL_HUMAN = "reviewer: human"
LABEL_TOO_LARGE = "reviewer: too-large"
OUR_LABELS = (LABEL_APPROVED, LABEL_WOULD_APPROVE, LABEL_HUMAN, LABEL_TOO_LARGE)
