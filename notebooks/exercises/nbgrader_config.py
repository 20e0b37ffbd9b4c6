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
