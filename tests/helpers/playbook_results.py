"""What a playbook run (a PlaybookResult of tests/fixtures/ansible.py, run with JSON output) did, by task name.

Tasks in roles are named without the ``<role> : `` prefix the callback adds.
"""


def task_name(result_of_task):
    return result_of_task["_task"].rsplit(" : ", 1)[-1]


def changed_tasks(result):
    """Names of the tasks that reported a change."""
    return [task_name(task) for task in result.task_results() if task.get("changed")]


def role_task(result, name):
    """The result of the task ``name`` (in a role or not)."""
    for task in result.task_results():
        if task_name(task) == name:
            return task
    raise KeyError("no task %r in %s" % (name, [t["_task"] for t in result.task_results()]))
