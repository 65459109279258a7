"""The examples run: the quickstart script and the notebook (through nbclient)."""

import subprocess
import sys

import nbformat
from nbclient import NotebookClient

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "python"


def test_quickstart_script_runs(tmp_path):
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")], check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout
    assert "trading days" in out
    assert "buy the dip bought" in out


def test_notebook_runs_and_plots(tmp_path):
    nb = nbformat.read(EXAMPLES / "policy_comparison.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    # Executing in place must not leave the committed notebook with outputs.
    assert not any(c.outputs for c in nbformat.read(EXAMPLES / "policy_comparison.ipynb", as_version=4).cells if c.cell_type == "code")


def python_blocks(path):
    text = path.read_text()
    return [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]


def test_readme_examples_run(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(ROOT / "README.md") + python_blocks(ROOT / "python" / "README.md")
    assert len(blocks) == 2
    for code in blocks:
        exec(compile(code, "README", "exec"), {})
    out = capsys.readouterr().out
    assert "COMCEA" not in out and "close" in out and "bought_t" in out


def test_python_readme_documents_every_column():
    import carbonsim

    text = (ROOT / "python" / "README.md").read_text()
    for name, cols in carbonsim.SCHEMAS.items():
        section = text.split(f"### `{name}`", 1)[1].split("###", 1)[0]
        for c in cols:
            assert f"| `{c.name}` | {c.dtype} | {c.unit} | {c.description} |" in section, (name, c.name)
