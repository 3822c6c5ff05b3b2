from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailin.smtp import controller


class Command(BaseCommand):
    help = "Serve the SMTP intake of mail in (README 'E-mail in'); stop with Ctrl-C or SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MAILIN_ADDRESS:
            raise CommandError("Set MAILIN_ADDRESS (the desk's address) first.")
        smtp = controller(options["host"], options["port"])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        smtp.start()
        self.stdout.write(f"mail in: SMTP on {options['host']}:{options['port']} for {settings.MAILIN_ADDRESS}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            smtp.stop()
