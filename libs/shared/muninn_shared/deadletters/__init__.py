"""Dead letters: the bounded record consumers publish, and the operator command that reads them."""
