# nbgrader configuration of the bgdlab course (an nbgrader course folder:
# source/ holds the notebooks with solutions, release/ the student versions
# that `nbgrader generate_assignment bgd` makes from them). See
# notebooks/README.md for the teacher's workflow; scripts/course runs
# nbgrader from the project's Python environment with the GoNB kernel.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "bgdlab"
# The notebooks are Go (GoNB): replace a solution with a stub that compiles
# (panic is a terminating statement) and tells the student what to do.
c.ClearSolutions.code_stub = {"go": 'panic("not implemented") // YOUR CODE HERE'}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Go cells compile and link: give each more time than nbgrader's 30 s default.
c.ExecutePreprocessor.timeout = 300

# The exchange (release_assignment, collect, release_feedback, and the
# formgrader's view of them): BGDLAB_EXCHANGE (scripts/course exchange DIR
# makes one), else nbgrader's default /usr/local/share/nbgrader/exchange.
import os  # noqa: E402

if os.environ.get("BGDLAB_EXCHANGE"):
    c.Exchange.root = os.environ["BGDLAB_EXCHANGE"]

# Feedback keeps hidden tests hidden: nbgrader's feedback shows every cell as
# autograded, hidden tests and their output included. A cell with hidden
# tests keeps its score and loses its output (the visible checks' lines are
# in the student's own notebook), then ClearHiddenTests removes the code.
from nbformat.v4 import new_output  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    ClearHiddenTests, GetGrades, NbGraderPreprocessor)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.converters.autograde import Autograde as _Autograde  # noqa: E402


class HideHiddenTestOutputs(NbGraderPreprocessor):
    """Replaces the outputs of cells with hidden tests by a note."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "BEGIN HIDDEN TESTS" in cell.source:
            cell.outputs = [new_output("stream", name="stdout", text=(
                "(Output not shown: this cell ran hidden tests too. "
                "Its score is above; rerun the visible checks in your notebook.)\n"))]
        return cell, resources


class GoLexer(NbGraderPreprocessor):
    """GoNB reports an empty pygments_lexer, and nbconvert then highlights
    the Go cells as Python: name the Go lexer. It runs after autograding's
    execution (which rewrites language_info), because the feedback's HTML
    exporter picks its lexer before any of its own preprocessors run."""

    def preprocess(self, nb, resources):
        info = nb.metadata.setdefault("language_info", {})
        if not info.get("pygments_lexer"):
            info["pygments_lexer"] = "go"
        return nb, resources


# Math in feedback without a network: nbconvert's feedback loads MathJax 2
# from a CDN. templates/feedback/mathjax.html.j2 shadows that macro for the
# feedback template and embeds MathJax 3 (.tools/mathjax/tex-svg.js, which
# scripts/setup installs) through this filter.
import markupsafe  # noqa: E402
import nbgrader  # noqa: E402

_root = os.environ.get("BGDLAB_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def _embed_mathjax(name):
    path = os.path.join(_root, ".tools", "mathjax", name)
    try:
        with open(path, encoding="utf-8") as f:
            js = f.read()
    except OSError as e:
        raise RuntimeError(
            f"feedback: {path}: {e.strerror}. Run scripts/setup in {_root} "
            "(it installs MathJax 3.2.2 for the feedback's math), or set "
            "BGDLAB_ROOT to your bgdlab checkout") from None
    return markupsafe.Markup("<script>\n" + js + "\n</script>")


c.HTMLExporter.filters = {"bgdlab_mathjax": _embed_mathjax}
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(_root, "notebooks", "exercises", "templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")]

# Autograding an untouched submission warns "Attribute 'checksum' for cell …
# has changed!" for every cell with hidden tests: nbgrader 0.9.6 stores the
# cell's checksum with its hidden tests and releases it without them
# (jupyter/nbgrader#1961, open). RestoreHiddenTests puts the hidden tests back
# first when the submitted cell is exactly the released one, so the warning
# is left for a cell a student did change. Drop it when nbgrader fixes #1961.
from nbformat import NotebookNode  # noqa: E402
from nbgrader.api import MissingEntry  # noqa: E402
from nbgrader.preprocessors import OverwriteCells  # noqa: E402


class RestoreHiddenTests(OverwriteCells):
    """OverwriteCells without the false checksum warning of #1961."""

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            try:
                src = self.gradebook.find_source_cell(
                    grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                src = None
            if src is not None and src.locked:
                released = NotebookNode(source=src.source)
                ClearHiddenTests(config=self.config)._remove_hidden_test_region(released)
                if released.source != src.source and cell.source == released.source:
                    cell.source = src.source
        return super().preprocess_cell(cell, resources, index)


# SQLAlchemy 2 warns "Object of type <SubmittedAssignment> not in session, add
# operation along 'Student.submissions' will not proceed" three times per
# autograded submission: nbgrader 0.9.6's Gradebook.add_submission builds the
# submission's rows, lazy loads (autoflush) run before its own
# db.add(submission), and SQLAlchemy 2 no longer cascades along backrefs.
# The rows are added and committed right after, so the warning is noise;
# silence exactly it (drop when nbgrader adds the submission first).
import warnings  # noqa: E402

from sqlalchemy.exc import SAWarning  # noqa: E402

warnings.filterwarnings(
    "ignore", r"Object of type <Submitted(Assignment|Notebook)> not in session, add operation along",
    SAWarning)

c.Autograde.sanitize_preprocessors = [
    RestoreHiddenTests if p is OverwriteCells else p
    for p in _Autograde.sanitize_preprocessors.default()]

c.GenerateFeedback.preprocessors = [
    GetGrades, HideHiddenTestOutputs, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
c.Autograde.autograde_preprocessors = list(
    _Autograde.autograde_preprocessors.default()) + [GoLexer]
