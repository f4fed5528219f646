"""prakerja-triage: inbound complaint triage for the Kartu Prakerja call center."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from flask import Flask

from triage.settings import Settings, load_settings


def create_app(config: Optional[Settings | Mapping[str, Any]] = None) -> Flask:
    """Build the web app; `config` is a Settings object or overrides of the loaded settings."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = load_settings()
        if config:
            settings = settings.with_overrides(**dict(config))
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(SECRET_KEY=settings.secret_key, SETTINGS=settings)

    from triage import cli, db
    from triage.classifier import load_classifier
    from triage.logs import configure_logging
    from triage.web import init_app as init_web

    configure_logging(settings)
    # Fail at start-up, with what to run, rather than on the first message.
    app.extensions["triage.classifier"] = load_classifier(settings.model_dir)
    db.init_app(app)
    cli.init_app(app)
    init_web(app)
    return app
