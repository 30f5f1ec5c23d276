"""payfix without the service extra: everything but ``payfix serve`` works, and ``serve`` says
what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .conftest import ROOT


def test_serve_without_fastapi_names_the_extra_and_the_rest_works() -> None:
    """With FastAPI and uvicorn not importable, `payfix.cli` and `payfix.service.cli` import,
    diagnosis works, and `serve` exits 1 telling the user to install payfix[service]."""
    script = textwrap.dedent("""
        import sys
        sys.modules["fastapi"] = None  # as if not installed
        sys.modules["uvicorn"] = None
        import argparse
        import payfix
        from payfix.service import cli
        parser = argparse.ArgumentParser()
        cli.add_subcommands(parser.add_subparsers(dest="command"))
        code = cli.run(parser.parse_args(["serve", "--no-auth"]))
        report = open("examples/reports/network_offline.json", "rb").read()
        print(code, payfix.diagnose(report, engine="compiled").remedies[0].id)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "network.reconnect"]
    assert "pip install 'payfix[service]'" in proc.stderr
