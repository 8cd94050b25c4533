"""Training (教育訓練): courses, people, attendance, completion and overdue lists (A7.4, A10.2)."""
