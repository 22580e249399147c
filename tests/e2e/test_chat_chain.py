# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seed's flow end to end, without a cluster: XMPP (Prosody) -> n8n + n8n-nodes-xmpp -> Ollama (stand-in)
-> RabbitMQ -> XMPP, set up by the collection's own configure phase and checked by its verify phase.

Run alone with `pytest tests/e2e` (~6 minutes on 2 cores; the first run also installs n8n). Tests share one lab
and run in file order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import uuid

import pytest

from lab import HUMAN, REPLY_QUEUE, ChatPool

pytestmark = pytest.mark.slow

RESET_REPLY = "I have forgotten our conversation. Let's start over."  # n8n_chat_reset_reply


def tag():
    return uuid.uuid4().hex[:8]


def test_configure_sets_up_the_chain_and_a_second_run_changes_nothing(stack, configured):
    rc, output, counts = configured
    assert counts["failed"] == 0 and counts["changed"] > 0, output[-3000:]
    # Prosody stands in for Openfire: llm_stack_configure_openfire false skips its configuration.
    assert re.search(r"TASK \[Configure Openfire[^\n]*\n(\*+\n)?skipping: \[localhost\]", output)
    rc, output, counts = stack.playbook("configure.yml")
    assert rc == 0, output[-4000:]
    assert counts["changed"] == 0, "second configure run changed something:\n" + "\n".join(
        line for line in output.splitlines() if line.startswith("changed:") or line.startswith("TASK"))
    # What the first run made is there: the reply queue's dead-letter policy and the bot's trigger consuming.
    queue = stack.rabbit.queue(REPLY_QUEUE)
    assert queue["policy"] == "xmpp-out-dead-letter" and queue["consumers"] == 1


def test_verify_play_gets_the_llm_answer_from_the_bot(stack, configured):
    chats = stack.ollama.state.chats
    rc, output, counts = stack.playbook("verify.yml")
    assert rc == 0, output[-4000:]
    assert counts["changed"] == 0
    summary = output[output.index("TASK [homelab.llm_stack.verify : Summary.]"):]
    print(summary)
    assert "workloads   not checked (llm_stack_kubernetes false)" in summary
    assert "ollama      0.32.15, qwen2.5:1.5b loaded on the CPU" in summary
    assert re.search(r"rabbitmq    XMPP_FILE_OUT_bot=0, XMPP_MESSAGE_OUT_bot=0 waiting, the bot consumes them", summary)
    assert 'n8n         workflow "XMPP chat bot" active' in summary
    assert re.search(r'xmpp chat   alice -> bot@homelab.test "echo: hello from the verify play" in [0-9.]+ s', summary)
    # The warm-up chat and the bot's answer both came from the LLM.
    assert stack.ollama.state.chats >= chats + 2


def test_memory_is_per_sender_and_reset_forgets(stack, configured):
    alice_says, bob_says = "my name is Alice %s" % tag(), "my colour is blue %s" % tag()
    with ChatPool(stack.prosody, [HUMAN, "bob"]) as pool:
        assert pool.ask(HUMAN, stack.bot_jid, alice_says)[0] == "echo: " + alice_says
        assert pool.ask("bob", stack.bot_jid, bob_says)[0] == "echo: " + bob_says
        alice_recall = pool.ask(HUMAN, stack.bot_jid, "recall")[0]
        bob_recall = pool.ask("bob", stack.bot_jid, "recall")[0]
        assert alice_recall.startswith("recall: ") and alice_says in alice_recall and bob_says not in alice_recall
        assert bob_recall.startswith("recall: ") and bob_says in bob_recall and alice_says not in bob_recall
        assert pool.ask(HUMAN, stack.bot_jid, "/RESET")[0] == RESET_REPLY
        assert pool.ask(HUMAN, stack.bot_jid, "recall")[0] == "recall: (nothing)"
        # Bob's memory survived Alice's reset.
        assert bob_says in pool.ask("bob", stack.bot_jid, "recall")[0]


ODD = [
    "tabs\tand\r\nnew lines\n",
    "emoji \U0001F600 RTL \u202e override \u202c zero\u200bwidth BOM\ufeff NEL\u0085 LS\u2028 \ufffd",
    "e\u0301\u0301\u0301 combining, CJK \u4f60\u597d, math \U0001D49C",
    "n8n expression {{ $json.text }} {{ 7*7 }} and ={{ $env }}",
    '<b>markup</b> & "quotes" \'single\' \\backslash\\ ]]> </body>',
]


def test_bad_input_gets_an_answer_or_nothing_and_never_kills_the_bot(stack, configured):
    huge = ("0123456789abcdef" * 6250)[:100000]
    with ChatPool(stack.prosody, [HUMAN]) as pool:
        for text in ODD + [huge]:
            reply = pool.ask(HUMAN, stack.bot_jid, text, timeout=60)[0]
            # Sent back as text, not evaluated as an n8n expression; the workflow trims the message, and XML turns
            # every CR LF into LF.
            expected = "echo: " + text.replace("\r\n", "\n").strip()
            assert reply == expected, "reply to %r was %r" % (text[:60], (reply or "")[:200])
        # Blank messages are no chat: they never reach the LLM; a refusal is fine, an error or a crash is not.
        chats, seen = stack.ollama.state.chats, len(pool.inbox[HUMAN])
        for blank in (" ", "\n\t "):
            pool.send(HUMAN, stack.bot_jid, blank)
        check = "still there? %s" % tag()
        pool.send(HUMAN, stack.bot_jid, check)
        deadline = time.monotonic() + 30
        while ("echo: " + check) not in [m[0] for m in pool.inbox[HUMAN][seen:]] and time.monotonic() < deadline:
            pool.wait(HUMAN, len(pool.inbox[HUMAN]) + 1, 1)
        replies = [m[0] for m in pool.inbox[HUMAN][seen:]]
        assert replies[-1:] == ["echo: " + check], replies
        assert not [r for r in replies[:-1] if r.startswith("echo:") or "error" in r.lower()], replies
        assert stack.ollama.state.chats == chats + 1
    workflows = stack.n8n_api().get_json("/workflows", params={"limit": 250})["data"]
    assert [w["active"] for w in workflows if w["name"] == "XMPP chat bot"] == [True]


def test_burst_of_200_from_10_accounts_while_the_llm_is_slow(stack, configured):
    users = stack.load_users
    per_user = 200 // len(users)
    chats = stack.ollama.state.chats
    stack.ollama.state.chat_delay = 1.0
    try:
        with ChatPool(stack.prosody, users) as pool:
            started = time.monotonic()
            for i in range(per_user):
                for user in users:
                    pool.send(user, stack.bot_jid, "burst %s %d" % (user, i))
            got = dict((user, pool.wait(user, per_user, timeout=300)) for user in users)
            took = time.monotonic() - started
            time.sleep(2)  # anything extra (a duplicate) would arrive now
            extra = dict((user, len(pool.inbox[user]) - per_user) for user in users)
    finally:
        stack.ollama.state.chat_delay = 0.0
    missing = dict((user, sorted(set("echo: burst %s %d" % (user, i) for i in range(per_user))
                                 - set(reply[0] for reply in got[user]))) for user in users)
    assert not any(missing.values()), "lost after %.0f s: %s" % (took, missing)
    assert not any(extra.values()), "duplicates: %s" % extra
    assert stack.ollama.state.chats - chats == 200
    print("200 messages from %d accounts answered in %.1f s with a 1 s LLM" % (len(users), took))


def test_replies_queued_while_n8n_is_down_are_delivered_after_it_restarts(stack, configured):
    """n8n is stopped while the LLM is still answering: the replies go to RabbitMQ, whose only consumer (the
    bot's trigger) is gone, and wait there until n8n is back."""
    count = 5
    texts = ["queued %s %d" % (tag(), i) for i in range(count)]
    stack.ollama.state.chat_delay = 6.0
    with ChatPool(stack.prosody, [HUMAN]) as pool:
        asked = len(stack.ollama.state.requests)
        for text in texts:
            pool.send(HUMAN, stack.bot_jid, text)
        deadline = time.monotonic() + 30
        while sum(1 for r in stack.ollama.state.requests[asked:] if r[1] == "/api/chat") < count:
            assert time.monotonic() < deadline, "n8n did not ask the LLM"
            time.sleep(0.2)
        stack.stop_n8n()  # graceful: running executions finish and publish their replies
        stack.ollama.state.chat_delay = 0.0
        deadline = time.monotonic() + 30
        while stack.rabbit.depth(REPLY_QUEUE) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        queue = stack.rabbit.queue(REPLY_QUEUE)
        assert queue["consumers"] == 0
        assert stack.rabbit.depth(REPLY_QUEUE) == count, "replies in %s while n8n is down" % REPLY_QUEUE
        assert pool.inbox[HUMAN] == []
        stack.start_n8n_again()
        stack.wait_for_bot()
        got = pool.wait(HUMAN, count, timeout=60)
    assert sorted(reply[0] for reply in got) == sorted("echo: " + text for text in texts)
    assert stack.rabbit.depth(REPLY_QUEUE) == 0


def test_verify_play_wants_the_model_in_vram_on_a_gpu_host(stack, configured):
    rc, output, counts = stack.playbook("verify.yml", "-e", "verify_gpu=true")
    assert rc != 0
    assert "qwen2.5:1.5b runs on the CPU (size_vram 0) although this lab has a GPU" in output
    stack.ollama.state.gpu = True
    try:
        rc, output, counts = stack.playbook("verify.yml", "-e", "verify_gpu=true")
    finally:
        stack.ollama.state.gpu = False
    assert rc == 0, output[-3000:]
    assert re.search(r"ollama      0\.32\.15, qwen2\.5:1\.5b loaded [0-9.]+ GB in VRAM", output)


def test_verify_play_says_clearly_when_the_bot_is_off(stack, configured):
    """Last: it leaves the chat bot deactivated."""
    api = stack.n8n_api()
    workflow = [w for w in api.get_json("/workflows", params={"limit": 250})["data"] if w["name"] == "XMPP chat bot"][0]
    api.send_json("POST", "/workflows/%s/deactivate" % workflow["id"])
    rc, output, counts = stack.playbook("verify.yml")
    assert rc != 0 and counts["failed"] == 1
    assert 'n8n has 1 workflow(s) named "XMPP chat bot" (0 active); expected one, active.' in output
    assert "TASK [homelab.llm_stack.verify : Summary.]" not in output
