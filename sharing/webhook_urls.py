from django.urls import path

from sharing import webhook_views

app_name = "sharing_webhooks"

urlpatterns = [
    path("webhooks/", webhook_views.subscription_list, name="list"),
    path("webhooks/new/", webhook_views.subscription_new, name="new"),
    path("webhooks/<int:pk>/stop/", webhook_views.subscription_deactivate, name="deactivate"),
    path("webhooks/deliveries/", webhook_views.delivery_list, name="deliveries"),
]
