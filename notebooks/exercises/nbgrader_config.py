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


c.GenerateFeedback.preprocessors = [
    GetGrades, HideHiddenTestOutputs, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
c.Autograde.autograde_preprocessors = list(
    _Autograde.autograde_preprocessors.default()) + [GoLexer]
