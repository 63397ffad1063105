"""The platform next to the tools an analyst would otherwise use, in one run (issue 9): (a)
per-event conformance against pm4py's streaming token-based replay (bench/conformance.py), (b)
finding the RF-1..RF-4 cases against pandas (bench/road_fines.py); each prints its ratio.
pm4py is installed for the benchmark only (AGPL-3.0, never a dependency of the product):

    python3 -m venv .bench-venv && .bench-venv/bin/pip install -e . pm4py
    JIANCHA_TEST_POSTGRES_URL=… .bench-venv/bin/python -m bench.peers [--repeat 3]
"""

from __future__ import annotations

import argparse

from bench import conformance, road_fines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("== (a) per-event conformance: the platform's procedure check vs pm4py's streaming TBR")
    conformance.main(["--repeat", str(args.repeat)])
    print("== (b) the RF-1..RF-4 cases: the platform's import and evaluation vs pandas")
    road_fines.main(["--repeat", str(args.repeat)])


if __name__ == "__main__":
    main()
