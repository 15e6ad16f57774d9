from django.db import models


class DemoLoad(models.Model):
    """A record that the demo world was generated at a scale, so `make run` does not generate it twice."""

    scale = models.CharField(max_length=16, unique=True)
    seed = models.IntegerField()
    persons = models.IntegerField()
    enterprises = models.IntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField()

    def __str__(self):
        return f"{self.scale} ({self.persons} persons, {self.enterprises} enterprises)"
