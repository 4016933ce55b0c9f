"""An SMTP server for Yardstick's tests, over TCP on 127.0.0.1 (aiosmtpd).

Every message accepted is appended to --out as one JSON line with its Message-ID,
recipients and raw text. It can misbehave as real servers do:
  --fail-first N   answer the first N messages' DATA with 451 (then accept)
  --busy-first N   answer the first N connections' greeting-time MAIL with 421
  --reject ADDR    answer RCPT TO:<ADDR> with 550
  --drop-at N      close the connection instead of answering the Nth DATA
  --delay S        take S seconds over each DATA, one message at a time
It prints "ready PORT" once it listens, and stops on SIGTERM.
"""

import argparse
import asyncio
import email
import json
import signal

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, args):
        self.args = args
        self.data_seen = 0
        self.mails_seen = 0
        self.one_at_a_time = asyncio.Lock()

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.mails_seen += 1
        if self.mails_seen <= self.args.busy_first:
            return "421 4.3.2 Service not available, try again later"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.delay:
            async with self.one_at_a_time:
                await asyncio.sleep(self.args.delay)
                return self.accept(server, envelope)
        return self.accept(server, envelope)

    def accept(self, server, envelope):
        self.data_seen += 1
        if self.data_seen == self.args.drop_at:
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if self.data_seen <= self.args.fail_first:
            return "451 4.3.0 Temporary failure, try again"
        text = envelope.content.decode("utf-8", errors="replace")
        message = email.message_from_string(text)
        line = {"message_id": message.get("Message-ID"), "to": envelope.rcpt_tos, "data": text}
        with open(self.args.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--busy-first", type=int, default=0)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--drop-at", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    controller = Controller(Sink(args), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"ready {args.port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
