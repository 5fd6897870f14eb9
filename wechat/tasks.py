from celery import shared_task

from wechat import notifications


@shared_task(name="wechat.tasks.send_notification")
def send_notification(notification_id: int) -> str:
    return notifications.notification_send(notification_id=notification_id)


@shared_task(name="wechat.tasks.send_due_notifications")
def send_due_notifications() -> int:
    return notifications.notifications_send_due()
