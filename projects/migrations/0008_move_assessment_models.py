"""The assessment's models (statuses, colour rules, rankings, recompute bookkeeping) move to the
`assessment` app; their tables keep their names (see assessment/migrations/0001)."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_status_verdict_columns'),
        ('assessment', '0001_initial'),
    ]

    operations = [
        # The tables stay as they are: only Django's idea of which app owns the models changes.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.DeleteModel(
                name='ColourRules',
            ),
            migrations.DeleteModel(
                name='PeriodComputation',
            ),
            migrations.RemoveField(
                model_name='projectstatus',
                name='leader',
            ),
            migrations.RemoveField(
                model_name='projectstatus',
                name='project',
            ),
            migrations.RemoveField(
                model_name='projectstatus',
                name='region',
            ),
            migrations.RemoveField(
                model_name='projectstatus',
                name='unit',
            ),
            migrations.DeleteModel(
                name='RankingIndicator',
            ),
            migrations.DeleteModel(
                name='RankingSettings',
            ),
            migrations.RemoveField(
                model_name='rankingsnapshot',
                name='parent',
            ),
            migrations.RemoveField(
                model_name='rankingsnapshot',
                name='published_by',
            ),
            migrations.DeleteModel(
                name='RecomputeRequest',
            ),
            migrations.DeleteModel(
                name='ProjectStatus',
            ),
            migrations.DeleteModel(
                name='RankingSnapshot',
            ),
            ],
        ),
    ]
