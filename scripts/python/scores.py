"""Prints the autograded score of every graded cell in an nbgrader course's
gradebook, one JSON object per line: student, notebook, cell (grade_id),
score and max. Run from the course folder with the project's Python
(scripts/course scores does). Used by the exercise tests and by teachers."""
import json
import sys

from nbgrader.api import Gradebook


def main(db_url):
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except Exception:
                    continue
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        print(json.dumps({"student": student.id, "assignment": assignment.name,
                                          "notebook": nb.name, "cell": grade.name,
                                          "score": grade.score, "auto_score": grade.auto_score,
                                          "max": grade.max_score}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///gradebook.db")
