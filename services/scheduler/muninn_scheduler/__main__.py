from muninn_shared.serve import serve

from muninn_scheduler.settings import SchedulerSettings

if __name__ == "__main__":
    serve("muninn_scheduler.main:create_app", SchedulerSettings())
