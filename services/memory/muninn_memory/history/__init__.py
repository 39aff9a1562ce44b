"""History of every memory: why it exists and every change since."""
