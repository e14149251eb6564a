"""A stand-in for an OpenAI-compatible LLM: the Chat Completions API, answering from a script.

    POST /v1/chat/completions   (Authorization: Bearer <llm_api_key>, when one is configured)
    {"model": "...", "messages": [{"role": "system"|"user"|..., "content": "..."}],
     "response_format": {"type": "json_object"}, ...}
    -> 200 {"id": "chatcmpl-…", "object": "chat.completion", "created": 1700000000,
            "model": "...", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "<the scripted answer>"}}],
            "usage": {"prompt_tokens": n, "completion_tokens": n, "total_tokens": n}}
    Refusals in OpenAI's error format: {"error": {"message", "type", "param", "code"}}.

It understands nothing, on purpose: what it says comes from a table the test scripts, so the
code under test is checked against answers it did not produce itself.

    POST /_sandbox/llm/script {"answers": [ANSWER, ...], "reset": false}
    GET  /_sandbox/llm/script           the table
    DELETE /_sandbox/llm/script         empties the table and the recorded requests
    GET  /_sandbox/llm/requests         each request received: its body and bearer key

An ANSWER is used for a request whose last user message contains ``match`` (any case; ""
or none matches all), the first such in the table; ``times`` uses it that many times only.
It says ``content`` (a JSON object, sent as the JSON string the model would write, or a raw
string: "not json" scripts malformed content), after ``delay`` seconds (a slow model), or
answers ``status`` with an OpenAI error body instead (500, 429...), or sends ``body``
verbatim with a 200 (a malformed response). Unscripted requests get the content ``{}``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})
_ERROR_TYPES = {401: "invalid_request_error", 429: "rate_limit_exceeded"}


@dataclass
class ScriptedAnswer:
    match: str = ""
    content: Any = field(default_factory=dict)  # a JSON object, or a raw string
    status: int | None = None
    delay: float = 0.0
    body: str | None = None
    times: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "content": self.content,
            "status": self.status,
            "delay": self.delay,
            "body": self.body,
            "times": self.times,
        }


@dataclass
class LlmScript:
    answers: list[ScriptedAnswer] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def answer_for(self, said: str) -> ScriptedAnswer:
        """The first answer whose ``match`` is in ``said`` (using up one of its ``times``)."""
        for answer in self.answers:
            if answer.match.lower() in said.lower():
                if answer.times is not None:
                    answer.times -= 1
                    if answer.times <= 0:
                        self.answers.remove(answer)
                return answer
        return ScriptedAnswer()


LLM_SCRIPT = web.AppKey("sandbox_llm_script", LlmScript)
LLM_API_KEY = web.AppKey("sandbox_llm_api_key", str)


def openai_error(status: int, message: str, *, code: str | None = None) -> web.Response:
    error_type = _ERROR_TYPES.get(
        status, "server_error" if status >= 500 else "invalid_request_error"
    )
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return web.json_response(body, status=status)


def completion(model: str, content: str, prompt: str) -> dict[str, Any]:
    """A chat completion body saying ``content``."""
    prompt_tokens, completion_tokens = len(prompt.split()), len(content.split())
    return {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _invalid(body: Any) -> str | None:
    """Why a request body is not a chat completion request, as the API would say it."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array."
    for i, message in enumerate(messages):
        if not (isinstance(message, dict) and isinstance(message.get("role"), str)):
            return f"Invalid value for 'messages[{i}]': a role is required."
        if not isinstance(message.get("content"), str):
            return f"Invalid type for 'messages[{i}].content': expected a string."
    response_format = body.get("response_format")
    if response_format is not None:
        if not isinstance(response_format, dict) or response_format.get("type") not in (
            RESPONSE_FORMATS
        ):
            return "Invalid value for 'response_format.type'."
        if response_format["type"] == "json_object" and not any(
            "json" in m["content"].lower() for m in messages
        ):
            return (
                "'messages' must contain the word 'json' in some form, to use "
                "'response_format' of type 'json_object'."
            )
    return None


async def chat_completions(request: web.Request) -> web.Response:
    api_key = request.app[LLM_API_KEY]
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
    if api_key and bearer != api_key:
        return openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
    try:
        body = await request.json()
    except ValueError:
        return openai_error(400, "We could not parse the JSON body of your request.")
    if (problem := _invalid(body)) is not None:
        return openai_error(400, problem)
    script = request.app[LLM_SCRIPT]
    script.requests.append({"body": body, "bearer": bearer})
    said = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    answer = script.answer_for(said)
    if answer.delay:
        await asyncio.sleep(answer.delay)
    if answer.status is not None:
        return openai_error(answer.status, f"The scripted model failed with {answer.status}.")
    if answer.body is not None:
        return web.Response(text=answer.body, content_type="application/json")
    content = answer.content if isinstance(answer.content, str) else json.dumps(answer.content)
    prompt = " ".join(m["content"] for m in body["messages"])
    return web.json_response(completion(body["model"], content, prompt))


def _scripted(raw: Any) -> ScriptedAnswer:
    if not isinstance(raw, dict):
        raise web.HTTPBadRequest(text="each answer must be a JSON object")
    unknown = set(raw) - set(ScriptedAnswer().as_json())
    if unknown:
        raise web.HTTPBadRequest(text=f"unknown answer fields: {sorted(unknown)}")
    try:
        answer = ScriptedAnswer(**raw)
    except TypeError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    if not isinstance(answer.match, str) or not isinstance(answer.content, dict | str):
        raise web.HTTPBadRequest(text="match must be a string, content an object or a string")
    if answer.status is not None and not (
        isinstance(answer.status, int) and 400 <= answer.status <= 599
    ):
        raise web.HTTPBadRequest(text="status must be an HTTP error status (400..599)")
    if not isinstance(answer.delay, int | float) or not 0 <= answer.delay <= 60:
        raise web.HTTPBadRequest(text="delay must be 0..60 seconds")
    if answer.times is not None and not (isinstance(answer.times, int) and answer.times >= 1):
        raise web.HTTPBadRequest(text="times must be a positive integer")
    if answer.body is not None and not isinstance(answer.body, str):
        raise web.HTTPBadRequest(text="body must be a string")
    return answer


async def set_script(request: web.Request) -> web.Response:
    try:
        data = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("answers", []), list):
        raise web.HTTPBadRequest(text='body must be {"answers": [...], "reset": bool}')
    answers = [_scripted(raw) for raw in data.get("answers", [])]
    script = request.app[LLM_SCRIPT]
    if data.get("reset"):
        script.answers.clear()
    script.answers.extend(answers)
    return web.json_response({"answers": [a.as_json() for a in script.answers]})


async def get_script(request: web.Request) -> web.Response:
    return web.json_response({"answers": [a.as_json() for a in request.app[LLM_SCRIPT].answers]})


async def clear_script(request: web.Request) -> web.Response:
    script = request.app[LLM_SCRIPT]
    script.answers.clear()
    script.requests.clear()
    return web.json_response({"cleared": True})


async def list_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[LLM_SCRIPT].requests)


def install(app: web.Application, config: SandboxConfig) -> None:
    app[LLM_SCRIPT] = LlmScript()
    app[LLM_API_KEY] = config.llm_api_key or ""
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/_sandbox/llm/script", set_script)
    app.router.add_get("/_sandbox/llm/script", get_script)
    app.router.add_delete("/_sandbox/llm/script", clear_script)
    app.router.add_get("/_sandbox/llm/requests", list_requests)
