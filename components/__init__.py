"""Pulumi ComponentResources that register exactly the manifests the `labs` builders return."""

from components.classroom import Classroom, ClassroomArgs
from components.envfrom import ConfigMapEnvPod
from components.environment import StudentEnvironment
from components.mysql import MysqlWithSecret
from components.redis import RedisWithConfigMap
from components.secure_writer import SecureWriterPod
from components.webserver import ProbedWebServer

__all__ = [
    "Classroom",
    "ClassroomArgs",
    "ConfigMapEnvPod",
    "MysqlWithSecret",
    "ProbedWebServer",
    "RedisWithConfigMap",
    "SecureWriterPod",
    "StudentEnvironment",
]
