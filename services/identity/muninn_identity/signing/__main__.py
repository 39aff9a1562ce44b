"""Operator command for identity's signing key ring.

    python -m muninn_identity.signing list    --file keys.json
    python -m muninn_identity.signing add     --file keys.json   # new key, published, not signing
    python -m muninn_identity.signing promote --file keys.json --kid <kid>
    python -m muninn_identity.signing retire  --file keys.json --kid <kid>

``add`` creates the file when it does not exist (its first key signs). See README
"Rotating signing keys" for the order of steps and the waits between them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from muninn_shared.signing import KeyRingError, SigningKey, SigningKeyRing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m muninn_identity.signing")
    parser.add_argument("command", choices=["list", "add", "promote", "retire"])
    parser.add_argument("--file", type=Path, required=True, help="the key ring file")
    parser.add_argument("--kid", help="key id (promote, retire)")
    args = parser.parse_args(_kid_joined(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "add":
            key = SigningKey.generate()
            if args.file.exists():
                SigningKeyRing.load(args.file).with_key(key).save(args.file)
            else:
                SigningKeyRing([key], key.kid).save(args.file)
            print(key.kid)
            return 0
        ring = SigningKeyRing.load(args.file)
        if args.command == "list":
            for key in ring.keys:
                role = "signing" if key.kid == ring.signing.kid else "published"
                print(f"{key.kid}  {role:9}  created {key.created_at.isoformat()}")
            return 0
        if not args.kid:
            parser.error(f"{args.command} needs --kid")
        if args.command == "promote":
            ring.promoted(args.kid).save(args.file)
        else:
            ring.without(args.kid).save(args.file)
        return 0
    except KeyRingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _kid_joined(argv: list[str]) -> list[str]:
    """``--kid X`` as ``--kid=X``: a key id is base64url and starts with '-' one time in 64,
    which argparse would take for an option and refuse."""
    joined: list[str] = []
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--kid":
            joined.append(f"--kid={next(arguments, '')}")
        else:
            joined.append(argument)
    return joined


if __name__ == "__main__":
    sys.exit(main())
