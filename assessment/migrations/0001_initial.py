"""The assessment's models, moved from `projects` (tables `projects_…` kept; their history stays in
the projects app's tables). Nothing is written to the database."""


import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('projects', '0007_status_verdict_columns'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay as they are: only Django's idea of which app owns the models changes.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='ColourRules',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('green_min_points', models.DecimalField(decimal_places=2, default=Decimal('10'), max_digits=6, verbose_name='绿色：超前时间进度（百分点）≥')),
                    ('yellow_max_points', models.DecimalField(decimal_places=2, default=Decimal('10'), max_digits=6, verbose_name='黄色：落后时间进度（百分点）≥')),
                    ('red_over_points', models.DecimalField(decimal_places=2, default=Decimal('30'), max_digits=6, verbose_name='红色：落后时间进度（百分点）>')),
                    ('start_red_months', models.PositiveSmallIntegerField(default=3, verbose_name='未按期开工转红（月）')),
                    ('statistics_yellow_months', models.PositiveSmallIntegerField(default=1, verbose_name='开工未纳统转黄（月）')),
                    ('statistics_red_months', models.PositiveSmallIntegerField(default=2, verbose_name='开工未纳统转红（月）')),
                    ('milestone_red_days', models.PositiveSmallIntegerField(default=30, verbose_name='节点逾期转红（天）')),
                    ('reporting_red_months', models.PositiveSmallIntegerField(default=2, verbose_name='连续未报转红（月）')),
                ],
                options={
                    'verbose_name': '四色管理阈值',
                    'verbose_name_plural': '四色管理阈值',
                    'db_table': 'projects_colourrules',
                },
            ),
            migrations.CreateModel(
                name='RankingIndicator',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('measure', models.CharField(choices=[('investment_rate', '投资完成率'), ('investment_rate_original', '投资完成率（按年初计划）'), ('start_rate', '开工率'), ('finish_rate', '竣工率'), ('statistics_rate', '纳统率'), ('resolution_rate', '问题办结率'), ('on_time_rate', '问题按期办结率'), ('four_new_share', '“四新”投资占比'), ('conversion_rate', '落地转化率')], max_length=40, unique=True, verbose_name='指标')),
                    ('weight', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='权重')),
                    ('cap', models.DecimalField(blank=True, decimal_places=4, help_text='比率超过该值按该值计分（如 1.2 即 120%）；空为不设上限。', max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='计分上限')),
                    ('order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                    ('active', models.BooleanField(default=True, verbose_name='启用')),
                ],
                options={
                    'verbose_name': '排名指标',
                    'verbose_name_plural': '排名指标与权重',
                    'db_table': 'projects_rankingindicator',
                    'ordering': ['order', 'measure'],
                },
            ),
            migrations.CreateModel(
                name='RankingSettings',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('praised_top', models.PositiveSmallIntegerField(default=7, verbose_name='通报表扬：前 N 名')),
                    ('called_in_bottom', models.PositiveSmallIntegerField(default=3, verbose_name='约谈：后 N 名')),
                    ('publish_day', models.PositiveSmallIntegerField(default=5, help_text='每月该日（或之后首次运行时）自动发布上月排名（未发布时）。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='每月发布日')),
                ],
                options={
                    'verbose_name': '排名设置',
                    'verbose_name_plural': '排名设置',
                    'db_table': 'projects_rankingsettings',
                },
            ),
            migrations.CreateModel(
                name='PeriodComputation',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('month', models.PositiveSmallIntegerField(verbose_name='月份')),
                    ('runs', models.PositiveIntegerField(default=0, verbose_name='计算次数')),
                    ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='最近开始')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='最近完成')),
                    ('duration_ms', models.PositiveIntegerField(blank=True, null=True, verbose_name='耗时（毫秒）')),
                    ('projects', models.PositiveIntegerField(default=0, verbose_name='项目数')),
                    ('region_code', models.CharField(blank=True, max_length=12, verbose_name='最近计算范围')),
                ],
                options={
                    'verbose_name': '月度计算',
                    'verbose_name_plural': '月度计算',
                    'db_table': 'projects_periodcomputation',
                    'ordering': ['-year', '-month'],
                    'constraints': [models.UniqueConstraint(fields=('year', 'month'), name='periodcomputation_unique')],
                },
            ),
            migrations.CreateModel(
                name='RecomputeRequest',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('month', models.PositiveSmallIntegerField(verbose_name='月份')),
                    ('dirty_since', models.DateTimeField(blank=True, null=True, verbose_name='待重算自')),
                    ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='已排队')),
                ],
                options={
                    'verbose_name': '重算请求',
                    'verbose_name_plural': '重算请求',
                    'db_table': 'projects_recomputerequest',
                    'ordering': ['-year', '-month'],
                    'constraints': [models.UniqueConstraint(fields=('year', 'month'), name='recomputerequest_unique')],
                },
            ),
            migrations.CreateModel(
                name='ProjectStatus',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('month', models.PositiveSmallIntegerField(verbose_name='月份')),
                    ('level', models.CharField(blank=True, choices=[('provincial', '省重点'), ('city', '市重点'), ('district', '区重点')], max_length=20, verbose_name='项目级别')),
                    ('annual_plan', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='年度计划（万元）')),
                    ('original_plan', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='年初计划（万元）')),
                    ('planned_ytd', models.DecimalField(blank=True, decimal_places=2, help_text='有分月计划的项目：1 至 m 月计划投资之和；否则为空（按 m/12 计时间进度）。', max_digits=16, null=True, verbose_name='分月计划累计（万元）')),
                    ('completed_ytd', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16, verbose_name='累计完成（万元）')),
                    ('investment_rate', models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='投资完成率')),
                    ('investment_rate_original', models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='投资完成率（按年初计划）')),
                    ('time_progress', models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='时间进度')),
                    ('new_start', models.BooleanField(default=False, verbose_name='新开工项目')),
                    ('started', models.BooleanField(default=False, verbose_name='期末已开工')),
                    ('planned_finish', models.BooleanField(default=False, verbose_name='计划当年竣工')),
                    ('finished', models.BooleanField(default=False, verbose_name='期末已竣工')),
                    ('under_construction', models.BooleanField(default=False, verbose_name='期末在建')),
                    ('in_statistics', models.BooleanField(default=False, verbose_name='期末已纳统')),
                    ('four_new', models.BooleanField(default=False, verbose_name='四新经济项目')),
                    ('pool_at_start', models.BooleanField(default=False, verbose_name='年初在谋划/储备库')),
                    ('converted', models.BooleanField(default=False, verbose_name='年内落地转化')),
                    ('planned_start', models.DateField(blank=True, null=True, verbose_name='计划开工日期')),
                    ('actual_start', models.DateField(blank=True, null=True, verbose_name='实际开工日期')),
                    ('months_without_report', models.PositiveSmallIntegerField(blank=True, help_text='本期与最近一次月报所属月份相差的月数；本年（及月报检查回看的月份）无月报为空。', null=True, verbose_name='距最近月报（月）')),
                    ('milestones_overdue', models.PositiveIntegerField(default=0, verbose_name='逾期节点数')),
                    ('milestone_overdue_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='最长逾期天数')),
                    ('milestone_overdue_name', models.CharField(blank=True, max_length=200, verbose_name='最早逾期节点')),
                    ('issues', models.PositiveIntegerField(default=0, verbose_name='年内收集问题')),
                    ('issues_resolved', models.PositiveIntegerField(default=0, verbose_name='已办结问题')),
                    ('issues_on_time', models.PositiveIntegerField(default=0, verbose_name='按期办结问题')),
                    ('gap_points', models.DecimalField(blank=True, decimal_places=4, help_text='投资完成率 − 时间进度，百分点；无年度计划为空。', max_digits=14, null=True, verbose_name='超前/落后时间进度（百分点）')),
                    ('months_late', models.SmallIntegerField(blank=True, help_text='本期月份 − 计划开工月份。', null=True, verbose_name='距计划开工（月）')),
                    ('months_since_start', models.SmallIntegerField(blank=True, help_text='本期月份 − 实际开工月份。', null=True, verbose_name='开工以来（月）')),
                    ('reporting_window', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='月报检查回看（月）')),
                    ('progress_verdict', models.CharField(blank=True, max_length=6, verbose_name='投资进度检查')),
                    ('start_verdict', models.CharField(blank=True, max_length=6, verbose_name='按期开工检查')),
                    ('statistics_verdict', models.CharField(blank=True, max_length=6, verbose_name='开工纳统检查')),
                    ('milestones_verdict', models.CharField(blank=True, max_length=6, verbose_name='节点检查')),
                    ('reporting_verdict', models.CharField(blank=True, max_length=6, verbose_name='月报检查')),
                    ('colour', models.CharField(blank=True, choices=[('green', '绿'), ('white', '白'), ('yellow', '黄'), ('red', '红')], max_length=10, verbose_name='四色')),
                    ('computed_at', models.DateTimeField(verbose_name='计算时间')),
                    ('leader', models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='期末在任的包联领导（责任链中“包联领导”角色）。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='projects.person', verbose_name='包联领导')),
                    ('project', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='statuses', to='projects.project', verbose_name='项目')),
                    ('region', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='projects.region', verbose_name='所属区域')),
                    ('unit', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='projects.unit', verbose_name='责任单位')),
                ],
                options={
                    'verbose_name': '项目月度状态',
                    'verbose_name_plural': '项目月度状态',
                    'db_table': 'projects_projectstatus',
                    'ordering': ['year', 'month', 'project_id'],
                    'indexes': [models.Index(fields=['region', 'year', 'month'], name='projects_pr_region__3155d7_idx')],
                    'constraints': [models.UniqueConstraint(fields=('project', 'year', 'month'), name='projectstatus_one_per_period')],
                },
            ),
            migrations.CreateModel(
                name='RankingSnapshot',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('scope', models.CharField(choices=[('district', '县市区'), ('leader', '包联领导'), ('unit', '责任单位')], max_length=20, verbose_name='排名范围')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('month', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='月份')),
                    ('version', models.PositiveIntegerField(verbose_name='版本')),
                    ('rows', models.JSONField(blank=True, default=list, verbose_name='排名')),
                    ('indicators', models.JSONField(blank=True, default=list, verbose_name='计分指标')),
                    ('praised_top', models.PositiveSmallIntegerField(default=7, verbose_name='通报表扬：前 N 名')),
                    ('called_in_bottom', models.PositiveSmallIntegerField(default=3, verbose_name='约谈：后 N 名')),
                    ('published_at', models.DateTimeField(verbose_name='发布时间')),
                    ('reason', models.TextField(blank=True, verbose_name='更正原因')),
                    ('parent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='projects.region', verbose_name='上级区域')),
                    ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
                ],
                options={
                    'verbose_name': '排名发布',
                    'verbose_name_plural': '排名发布',
                    'db_table': 'projects_rankingsnapshot',
                    'ordering': ['-year', '-month', 'scope', 'parent', '-version'],
                    'constraints': [models.UniqueConstraint(fields=('scope', 'parent', 'year', 'month', 'version'), name='rankingsnapshot_one_per_version')],
                },
            ),
            ],
        ),
    ]
