"""Meetings and reminder letters, moved from `supervision` (tables `supervision_…` kept; the history
of meetings stays in the supervision app's tables). Nothing is written to the database."""


import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('projects', '0007_status_verdict_columns'),
        ('supervision', '0002_issues_meetings_letters_inspections'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay as they are: only Django's idea of which app owns the models changes.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Meeting',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('weekly', '周调度'), ('biweekly', '双周调度'), ('monthly', '月度联席会议'), ('quarterly', '季度推进会'), ('observation', '观摩')], max_length=20, verbose_name='会议类型')),
                    ('title', models.CharField(blank=True, max_length=200, verbose_name='会议名称')),
                    ('date', models.DateField(verbose_name='会议日期')),
                    ('location', models.CharField(blank=True, max_length=200, verbose_name='地点')),
                    ('minutes', models.TextField(blank=True, verbose_name='会议纪要')),
                    ('agenda', models.JSONField(blank=True, editable=False, help_text='会议召开时按当时数据定稿的议程；未定稿时议程按最新数据生成。', null=True, verbose_name='会议议程（定稿）')),
                    ('agenda_frozen_at', models.DateTimeField(blank=True, null=True, verbose_name='议程定稿时间')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                    ('attendees', models.ManyToManyField(blank=True, related_name='meetings', to='projects.person', verbose_name='参会人员')),
                    ('chair', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='chaired_meetings', to='projects.person', verbose_name='主持人')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                    ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='projects.region', verbose_name='区域')),
                ],
                options={
                    'verbose_name': '调度会议',
                    'verbose_name_plural': '调度会议',
                    'db_table': 'supervision_meeting',
                    'ordering': ['-date', '-id'],
                    'indexes': [models.Index(fields=['region', 'date'], name='supervision_region__2b0b39_idx')],
                },
            ),
            migrations.CreateModel(
                name='ReminderLetter',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='月份')),
                    ('number_year', models.PositiveSmallIntegerField(verbose_name='文号年份')),
                    ('serial', models.PositiveIntegerField(verbose_name='文号序号')),
                    ('number', models.CharField(max_length=60, verbose_name='文号')),
                    ('title', models.CharField(max_length=200, verbose_name='标题')),
                    ('addressee', models.CharField(max_length=100, verbose_name='主送机关')),
                    ('issuer', models.CharField(max_length=100, verbose_name='发文单位')),
                    ('issued_on', models.DateField(verbose_name='成文日期')),
                    ('reply_deadline', models.DateField(verbose_name='反馈时限')),
                    ('reply_deadline_provisional', models.BooleanField(default=False, verbose_name='时限待确认')),
                    ('reply_workdays', models.PositiveSmallIntegerField(verbose_name='反馈时限（工作日）')),
                    ('actions', models.JSONField(default=list, verbose_name='整改要求')),
                    ('rows', models.JSONField(default=list, help_text='[{code, name, colour, colour_label, reason}]，生成时的快照。', verbose_name='项目清单')),
                    ('file', models.FileField(blank=True, upload_to='supervision/letters/%Y/', verbose_name='Word 文件')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='生成时间')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='生成人')),
                    ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reminder_letters', to='projects.region', verbose_name='县市区')),
                ],
                options={
                    'verbose_name': '提示函',
                    'verbose_name_plural': '提示函',
                    'db_table': 'supervision_reminderletter',
                    'ordering': ['-year', '-month', 'region'],
                    'constraints': [models.UniqueConstraint(fields=('region', 'year', 'month'), name='letter_one_per_district_and_period'), models.UniqueConstraint(fields=('number_year', 'serial'), name='letter_number_unique')],
                },
            ),
            ],
        ),
    ]
