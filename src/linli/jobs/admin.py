from django.contrib import admin

from linli.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("status", "kind")
