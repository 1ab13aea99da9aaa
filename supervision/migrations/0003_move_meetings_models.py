"""Meetings and reminder letters move to the `meetings` app (tables kept); issues and the history of
meetings now point at `meetings.Meeting` (the same table)."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0001_initial'),
        ('supervision', '0002_issues_meetings_letters_inspections'),
    ]

    operations = [
        # The tables stay as they are: only Django's idea of which app owns the models changes.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.AlterField(
                model_name='issue',
                name='meeting',
                field=models.ForeignKey(blank=True, help_text='会议议定事项：交办后在下次会议上继续跟踪，直至销号。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='meetings.meeting', verbose_name='议定会议'),
            ),
            migrations.AlterField(
                model_name='historicalmeeting_attendees',
                name='meeting',
                field=models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='meetings.meeting'),
            ),
            migrations.RemoveField(
                model_name='reminderletter',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='reminderletter',
                name='region',
            ),
            migrations.DeleteModel(
                name='Meeting',
            ),
            migrations.DeleteModel(
                name='ReminderLetter',
            ),
            ],
        ),
    ]
