"""``python -m newsdesk.stories build-encoder DIR [DIMS]``: distil the static story encoder."""

import sys

from .encoder import build_encoder

if len(sys.argv) < 3 or sys.argv[1] != "build-encoder":
    sys.exit("usage: python -m newsdesk.stories build-encoder DIR [DIMS]")
print(build_encoder(sys.argv[2], dims=int(sys.argv[3]) if len(sys.argv) > 3 else 64))
