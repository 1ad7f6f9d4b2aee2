"""The layout of generated Python: the build writes every file in its final form.

``printer.Printer`` holds the helpers templates and views call for lines whose length depends on
names and values; ``statement.py`` splits one statement the way black would. black is the
tests' oracle (pinned in the test extra), never a step of the build.
"""
