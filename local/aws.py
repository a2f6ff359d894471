"""Local AWS: moto in server mode, seeded like Terraform would.

One moto server on 127.0.0.1 answers SSM, SNS, SES, S3 and Secrets
Manager for every process of the stack (the workers reach it through
`AWS_ENDPOINT_URL`), so config-per-alias, notifications and secrets run the
same code paths as in AWS. The server runs in this process, which lets the
outbox read what was sent straight from moto's backends; nothing else here
touches moto's internals.
"""

import json
import logging
from dataclasses import dataclass

ACCOUNT_ID = "123456789012"  # moto's default account, also used in local ARNs
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class Resources:
    """What seeding created, for the functions' environment."""

    config_parameter: str
    topic_arn: str
    secret_arn: str | None = None


class LocalAws:
    """A moto server on 127.0.0.1:`port`, started and stopped with the stack."""

    def __init__(self, port: int, *, region: str, host: str = "127.0.0.1"):
        self.host, self.port, self.region = host, port, region
        self._server = None
        self._thread = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Bind the port (raises OSError when it is taken) and serve in a thread."""
        import threading

        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        self._reset()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def _reset(self) -> None:
        """Forget what an earlier server in this process left in moto's backends."""
        import urllib.request

        from local.httpd import urlopen

        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urlopen(request, timeout=5).close()

    def client(self, service: str):
        import boto3

        return boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        ).client(service, endpoint_url=self.endpoint)

    def seed(
        self,
        *,
        project: str,
        stage: str,
        app_config: dict,
        db_credentials: dict | None = None,
    ) -> Resources:
        """Create the stage's config parameter, topic, sender identity and DB secret."""
        name = f"{project}-{stage}"
        parameter = f"/{project}/{stage}/config"
        self.client("ssm").put_parameter(
            Name=parameter, Type="String", Value=json.dumps(app_config), Overwrite=True
        )
        topic_arn = self.client("sns").create_topic(Name=f"{name}-order-events")["TopicArn"]
        ses = self.client("ses")
        if app_config.get("sender_email"):
            ses.verify_email_identity(EmailAddress=app_config["sender_email"])
        self.client("s3").create_bucket(
            Bucket=f"{name}-site",
            CreateBucketConfiguration={"LocationConstraint": self.region},
        )
        secret_arn = None
        if db_credentials is not None:
            secret_arn = self.client("secretsmanager").create_secret(
                Name=f"{name}-db", SecretString=json.dumps(db_credentials)
            )["ARN"]
        return Resources(parameter, topic_arn, secret_arn)

    def outbox(self) -> dict:
        """Return the e-mails SES sent and the messages SNS published, oldest first."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        emails = [
            {
                "id": m.id,
                "from": m.source,
                "to": list(getattr(m, "destinations", {}).get("ToAddresses", [])),
                "subject": getattr(m, "subject", None),
                "body": getattr(m, "body", None) or getattr(m, "raw_data", None),
            }
            for m in ses_backends[ACCOUNT_ID][self.region].sent_messages
        ]
        events = []
        for arn, topic in sns_backends[ACCOUNT_ID][self.region].topics.items():
            for message_id, message, subject, attributes, _group in topic.sent_notifications:
                try:
                    decoded = json.loads(message)
                except ValueError:
                    decoded = message
                events.append(
                    {
                        "topic": arn,
                        "id": message_id,
                        "subject": subject,
                        "attributes": attributes or {},
                        "message": decoded,
                    }
                )
        return {"emails": emails, "events": events}
