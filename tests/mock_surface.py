"""The OpenAI API surface as the mock answers it: every operation's route and reply shape.

`tests/mock_openai.py` answers chat completions, completions, responses, embeddings,
moderations, models and file uploads with its own handlers (kind `own` below); every other
operation is answered here, from `SURFACE`, with a reply of the shape the official SDKs parse:
an object (`{"id", "object", ...}`), a list page (`{"object": "list", "data": [...],
"has_more": false}`), a deleted marker, bytes (audio, file content), or SSE where the request
asks for a stream. Azure OpenAI paths (`/openai/deployments/{deployment}/...`, `/openai/v1/...`,
`/openai/...?api-version=...`) are the same operations under another prefix.

Source of the table: the resource definitions of the official Python SDK, `openai` 3.54.0
(`src/openai/resources/**`: the method, the path template and the type each call returns, whose
`object` literal names the object here; `src/openai/types/**` for the fields). One row per
operation: (method, path template, reply kind, object name); the comment names the SDK call.
The SDK suite (tests/e2e/test_sdk_python.py) fails when the SDK has an operation this table
lacks.

Reply builders take a `Call` and return a `Reply`; a new shape is a function in `BUILDERS`.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs

SURFACE: list[tuple[str, str, str, str | None]] = [
    ("GET", "/v1/agents", "list", "agent"),  # beta.agents.list
    ("POST", "/v1/agents", "object", "agent"),  # beta.agents.create
    ("GET", "/v1/agents/automations", "list", "agent.automation"),  # beta.agents.automations.list
    # beta.agents.automations.create
    ("POST", "/v1/agents/automations", "object", "agent.automation"),
    # beta.agents.automations.delete
    ("DELETE", "/v1/agents/automations/{automation_id}", "deleted", "agent.automation.deleted"),
    # beta.agents.automations.retrieve
    ("GET", "/v1/agents/automations/{automation_id}", "object", "agent.automation"),
    # beta.agents.automations.update
    ("POST", "/v1/agents/automations/{automation_id}", "object", "agent.automation"),
    # beta.agents.automations.invocations.list
    ("GET", "/v1/agents/automations/{automation_id}/invocations", "list", "agent.automation.invocation"),
    # beta.agents.automations.invocations.create
    ("POST", "/v1/agents/automations/{automation_id}/invocations", "object", "agent.automation.invocation"),
    # beta.agents.automations.invocations.retrieve
    ("GET", "/v1/agents/automations/{automation_id}/invocations/{invocation_id}", "object", "agent.automation.invocation"),
    # beta.agents.automations.pause
    ("POST", "/v1/agents/automations/{automation_id}/pause", "object", "agent.automation"),
    # beta.agents.automations.resume
    ("POST", "/v1/agents/automations/{automation_id}/resume", "object", "agent.automation"),
    # beta.agents.environments.list
    ("GET", "/v1/agents/environments", "list", "agent.environment"),
    # beta.agents.environments.create
    ("POST", "/v1/agents/environments", "object", "agent.environment"),
    # beta.agents.environments.templates.list
    ("GET", "/v1/agents/environments/templates", "list", "agent.environment.template"),
    # beta.agents.environments.templates.create
    ("POST", "/v1/agents/environments/templates", "object", "agent.environment.template"),
    # beta.agents.environments.templates.delete
    ("DELETE", "/v1/agents/environments/templates/{environment_template_id}", "deleted", "agent.environment.template.deleted"),
    # beta.agents.environments.templates.retrieve
    ("GET", "/v1/agents/environments/templates/{environment_template_id}", "object", "agent.environment.template"),
    # beta.agents.environments.templates.update
    ("POST", "/v1/agents/environments/templates/{environment_template_id}", "object", "agent.environment.template"),
    # beta.agents.environments.retrieve
    ("GET", "/v1/agents/environments/{environment_id}", "object", "agent.environment"),
    # beta.agents.environments.files.list
    ("GET", "/v1/agents/environments/{environment_id}/files", "list", "agent.environment.file"),
    # beta.agents.environments.files.create
    ("POST", "/v1/agents/environments/{environment_id}/files", "object", "agent.environment.file"),
    ("GET", "/v1/agents/sessions", "list", "agent.session"),  # beta.agents.sessions.list
    ("POST", "/v1/agents/sessions", "object", "agent.session"),  # beta.agents.sessions.create
    # beta.agents.sessions.delete
    ("DELETE", "/v1/agents/sessions/{session_id}", "deleted", "agent.session.deleted"),
    # beta.agents.sessions.retrieve
    ("GET", "/v1/agents/sessions/{session_id}", "object", "agent.session"),
    # beta.agents.sessions.update
    ("POST", "/v1/agents/sessions/{session_id}", "object", "agent.session"),
    # beta.agents.sessions.artifacts.list
    ("GET", "/v1/agents/sessions/{session_id}/artifacts", "list", "agent.session.artifact"),
    # beta.agents.sessions.artifacts.delete
    ("DELETE", "/v1/agents/sessions/{session_id}/artifacts/{artifact_id}", "deleted", "agent.session.artifact.deleted"),
    # beta.agents.sessions.artifacts.retrieve
    ("GET", "/v1/agents/sessions/{session_id}/artifacts/{artifact_id}", "object", "agent.session.artifact"),
    # beta.agents.sessions.artifacts.content
    ("GET", "/v1/agents/sessions/{session_id}/artifacts/{artifact_id}/content", "binary", "application/octet-stream"),
    # beta.agents.sessions.events.stream
    ("GET", "/v1/agents/sessions/{session_id}/events", "agent_events", "agent.session.event"),
    # beta.agents.sessions.events.create
    ("POST", "/v1/agents/sessions/{session_id}/events", "empty", None),
    # beta.agents.sessions.items.list
    ("GET", "/v1/agents/sessions/{session_id}/items", "list", "agent.session.item"),
    # beta.agents.sessions.subagents.list
    ("GET", "/v1/agents/sessions/{session_id}/subagents", "list", "agent.session.subagent"),
    # beta.agents.sessions.subagents.retrieve
    ("GET", "/v1/agents/sessions/{session_id}/subagents/{subagent_id}", "object", "agent.session.subagent"),
    # beta.agents.sessions.subagents.items.list
    ("GET", "/v1/agents/sessions/{session_id}/subagents/{subagent_id}/items", "list", "agent.session.item"),
    # beta.agents.sessions.subagents.turns.list
    ("GET", "/v1/agents/sessions/{session_id}/subagents/{subagent_id}/turns", "list", "agent.session.turn"),
    # beta.agents.sessions.subagents.turns.retrieve
    ("GET", "/v1/agents/sessions/{session_id}/subagents/{subagent_id}/turns/{turn_id}", "object", "agent.session.turn"),
    # beta.agents.sessions.subagents.turns.items.list
    ("GET", "/v1/agents/sessions/{session_id}/subagents/{subagent_id}/turns/{turn_id}/items", "list", "agent.session.item"),
    # beta.agents.sessions.traces.list
    ("GET", "/v1/agents/sessions/{session_id}/traces", "list", "agent.session.trace"),
    # beta.agents.sessions.turns.list
    ("GET", "/v1/agents/sessions/{session_id}/turns", "list", "agent.session.turn"),
    # beta.agents.sessions.turns.retrieve
    ("GET", "/v1/agents/sessions/{session_id}/turns/{turn_id}", "object", "agent.session.turn"),
    # beta.agents.sessions.turns.items.list
    ("GET", "/v1/agents/sessions/{session_id}/turns/{turn_id}/items", "list", "agent.session.item"),
    ("DELETE", "/v1/agents/{agent_id}", "deleted", "agent.deleted"),  # beta.agents.delete
    ("GET", "/v1/agents/{agent_id}", "object", "agent"),  # beta.agents.retrieve
    ("POST", "/v1/agents/{agent_id}", "object", "agent"),  # beta.agents.update
    ("GET", "/v1/assistants", "list", "assistant"),  # beta.assistants.list
    ("POST", "/v1/assistants", "object", "assistant"),  # beta.assistants.create
    # beta.assistants.delete
    ("DELETE", "/v1/assistants/{assistant_id}", "deleted", "assistant.deleted"),
    ("GET", "/v1/assistants/{assistant_id}", "object", "assistant"),  # beta.assistants.retrieve
    ("POST", "/v1/assistants/{assistant_id}", "object", "assistant"),  # beta.assistants.update
    ("POST", "/v1/audio/speech", "speech", None),  # audio.speech.create
    ("POST", "/v1/audio/transcriptions", "transcription", None),  # audio.transcriptions.create
    ("POST", "/v1/audio/translations", "translation", None),  # audio.translations.create
    ("GET", "/v1/audio/voice_consents", "list", "audio.voice_consent"),  # audio.voice_consents.list
    # audio.voice_consents.create
    ("POST", "/v1/audio/voice_consents", "object", "audio.voice_consent"),
    # audio.voice_consents.delete
    ("DELETE", "/v1/audio/voice_consents/{consent_id}", "deleted", "audio.voice_consent"),
    # audio.voice_consents.retrieve
    ("GET", "/v1/audio/voice_consents/{consent_id}", "object", "audio.voice_consent"),
    # audio.voice_consents.update
    ("POST", "/v1/audio/voice_consents/{consent_id}", "object", "audio.voice_consent"),
    ("POST", "/v1/audio/voices", "object", "audio.voice"),  # audio.voices.create
    # audio.voices.delete
    ("DELETE", "/v1/audio/voices/{voice_id}", "deleted", "audio.voice.deleted"),
    ("GET", "/v1/batches", "list", "batch"),  # batches.list
    ("POST", "/v1/batches", "object", "batch"),  # batches.create
    ("GET", "/v1/batches/{batch_id}", "object", "batch"),  # batches.retrieve
    ("POST", "/v1/batches/{batch_id}/cancel", "object", "batch"),  # batches.cancel
    ("GET", "/v1/chat/completions", "own", None),  # beta.chat.completions.list
    ("POST", "/v1/chat/completions", "own", None),  # beta.chat.completions.create
    # beta.chat.completions.delete
    ("DELETE", "/v1/chat/completions/{completion_id}", "deleted", "chat.completion.deleted"),
    # beta.chat.completions.retrieve
    ("GET", "/v1/chat/completions/{completion_id}", "chat_completion", None),
    # beta.chat.completions.update
    ("POST", "/v1/chat/completions/{completion_id}", "chat_completion", None),
    # beta.chat.completions.messages.list
    ("GET", "/v1/chat/completions/{completion_id}/messages", "list", "chat.completion.message"),
    ("POST", "/v1/chatkit/sessions", "object", "chatkit.session"),  # beta.chatkit.sessions.create
    # beta.chatkit.sessions.cancel
    ("POST", "/v1/chatkit/sessions/{session_id}/cancel", "object", "chatkit.session"),
    ("GET", "/v1/chatkit/threads", "list", "chatkit.thread"),  # beta.chatkit.threads.list
    # beta.chatkit.threads.delete
    ("DELETE", "/v1/chatkit/threads/{thread_id}", "deleted", "chatkit.thread.deleted"),
    # beta.chatkit.threads.retrieve
    ("GET", "/v1/chatkit/threads/{thread_id}", "object", "chatkit.thread"),
    # beta.chatkit.threads.list_items
    ("GET", "/v1/chatkit/threads/{thread_id}/items", "list", "chatkit.thread_item"),
    ("POST", "/v1/completions", "own", None),  # completions.create
    ("GET", "/v1/containers", "list", "container"),  # containers.list
    ("POST", "/v1/containers", "object", "container"),  # containers.create
    ("DELETE", "/v1/containers/{container_id}", "empty", None),  # containers.delete
    ("GET", "/v1/containers/{container_id}", "object", "container"),  # containers.retrieve
    # containers.files.list
    ("GET", "/v1/containers/{container_id}/files", "list", "container.file"),
    # containers.files.create
    ("POST", "/v1/containers/{container_id}/files", "object", "container.file"),
    # containers.files.delete
    ("DELETE", "/v1/containers/{container_id}/files/{file_id}", "empty", None),
    # containers.files.retrieve
    ("GET", "/v1/containers/{container_id}/files/{file_id}", "object", "container.file"),
    # containers.files.content.retrieve
    ("GET", "/v1/containers/{container_id}/files/{file_id}/content", "binary", "application/octet-stream"),
    # content_provenance_checks.create
    ("POST", "/v1/content_provenance_checks", "object", "content_provenance_check"),
    ("POST", "/v1/conversations", "object", "conversation"),  # conversations.create
    # conversations.delete
    ("DELETE", "/v1/conversations/{conversation_id}", "deleted", "conversation.deleted"),
    # conversations.retrieve
    ("GET", "/v1/conversations/{conversation_id}", "object", "conversation"),
    # conversations.update
    ("POST", "/v1/conversations/{conversation_id}", "object", "conversation"),
    # conversations.items.list
    ("GET", "/v1/conversations/{conversation_id}/items", "list", "conversation.item"),
    # conversations.items.create
    ("POST", "/v1/conversations/{conversation_id}/items", "conversation_items", None),
    # conversations.items.delete
    ("DELETE", "/v1/conversations/{conversation_id}/items/{item_id}", "object", "conversation"),
    # conversations.items.retrieve
    ("GET", "/v1/conversations/{conversation_id}/items/{item_id}", "conversation_item", None),
    ("POST", "/v1/decisions", "object", "decision"),  # decisions.create
    ("POST", "/v1/embeddings", "own", None),  # embeddings.create
    ("GET", "/v1/evals", "list", "eval"),  # evals.list
    ("POST", "/v1/evals", "object", "eval"),  # evals.create
    ("DELETE", "/v1/evals/{eval_id}", "deleted", "eval.deleted"),  # evals.delete
    ("GET", "/v1/evals/{eval_id}", "object", "eval"),  # evals.retrieve
    ("POST", "/v1/evals/{eval_id}", "object", "eval"),  # evals.update
    ("GET", "/v1/evals/{eval_id}/runs", "list", "eval.run"),  # evals.runs.list
    ("POST", "/v1/evals/{eval_id}/runs", "object", "eval.run"),  # evals.runs.create
    # evals.runs.delete
    ("DELETE", "/v1/evals/{eval_id}/runs/{run_id}", "deleted", "eval.run.deleted"),
    ("GET", "/v1/evals/{eval_id}/runs/{run_id}", "object", "eval.run"),  # evals.runs.retrieve
    ("POST", "/v1/evals/{eval_id}/runs/{run_id}/cancel", "object", "eval.run"),  # evals.runs.cancel
    # evals.runs.output_items.list
    ("GET", "/v1/evals/{eval_id}/runs/{run_id}/output_items", "list", "eval.run.output_item"),
    # evals.runs.output_items.retrieve
    ("GET", "/v1/evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}", "object", "eval.run.output_item"),
    ("GET", "/v1/files", "list", "file"),  # files.list
    ("POST", "/v1/files", "own", None),  # files.create
    ("DELETE", "/v1/files/{file_id}", "deleted", "file"),  # files.delete
    ("GET", "/v1/files/{file_id}", "object", "file"),  # files.retrieve
    ("GET", "/v1/files/{file_id}/content", "file_content", None),  # files.content
    # fine_tuning.alpha.graders.run
    ("POST", "/v1/fine_tuning/alpha/graders/run", "grader_run", None),
    # fine_tuning.alpha.graders.validate
    ("POST", "/v1/fine_tuning/alpha/graders/validate", "grader_validate", None),
    # fine_tuning.checkpoints.permissions.list
    ("GET", "/v1/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", "list", "checkpoint.permission"),
    # fine_tuning.checkpoints.permissions.create
    ("POST", "/v1/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", "list", "checkpoint.permission"),
    # fine_tuning.checkpoints.permissions.delete
    ("DELETE", "/v1/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}", "deleted", "checkpoint.permission"),
    ("GET", "/v1/fine_tuning/jobs", "list", "fine_tuning.job"),  # fine_tuning.jobs.list
    ("POST", "/v1/fine_tuning/jobs", "object", "fine_tuning.job"),  # fine_tuning.jobs.create
    # fine_tuning.jobs.retrieve
    ("GET", "/v1/fine_tuning/jobs/{fine_tuning_job_id}", "object", "fine_tuning.job"),
    # fine_tuning.jobs.cancel
    ("POST", "/v1/fine_tuning/jobs/{fine_tuning_job_id}/cancel", "object", "fine_tuning.job"),
    # fine_tuning.jobs.checkpoints.list
    ("GET", "/v1/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", "list", "fine_tuning.job.checkpoint"),
    # fine_tuning.jobs.list_events
    ("GET", "/v1/fine_tuning/jobs/{fine_tuning_job_id}/events", "list", "fine_tuning.job.event"),
    # fine_tuning.jobs.pause
    ("POST", "/v1/fine_tuning/jobs/{fine_tuning_job_id}/pause", "object", "fine_tuning.job"),
    # fine_tuning.jobs.resume
    ("POST", "/v1/fine_tuning/jobs/{fine_tuning_job_id}/resume", "object", "fine_tuning.job"),
    ("POST", "/v1/images/edits", "images", None),  # images.edit
    ("POST", "/v1/images/generations", "images", None),  # images.generate
    ("POST", "/v1/images/variations", "images", None),  # images.create_variation
    ("POST", "/v1/live/sessions", "object", "live.session"),  # live.create
    ("POST", "/v1/live/sessions/{session_id}/accept", "empty", None),  # live.sessions.accept
    # live.sessions.download_recording
    ("GET", "/v1/live/sessions/{session_id}/content", "binary", "audio/wav"),
    ("POST", "/v1/live/sessions/{session_id}/fork", "object", "live.session"),  # live.sessions.fork
    ("POST", "/v1/live/sessions/{session_id}/hangup", "empty", None),  # live.sessions.hangup
    ("POST", "/v1/live/sessions/{session_id}/refer", "empty", None),  # live.sessions.refer
    ("POST", "/v1/live/sessions/{session_id}/reject", "empty", None),  # live.sessions.reject
    ("GET", "/v1/models", "own", None),  # models.list
    ("DELETE", "/v1/models/{model}", "deleted", "model"),  # models.delete
    ("GET", "/v1/models/{model}", "own", None),  # models.retrieve
    ("POST", "/v1/moderations", "own", None),  # moderations.create
    # admin.organization.admin_api_keys.list
    ("GET", "/v1/organization/admin_api_keys", "list", "organization.admin_api_key"),
    # admin.organization.admin_api_keys.create
    ("POST", "/v1/organization/admin_api_keys", "object", "organization.admin_api_key"),
    # admin.organization.admin_api_keys.delete
    ("DELETE", "/v1/organization/admin_api_keys/{key_id}", "deleted", "organization.admin_api_key.deleted"),
    # admin.organization.admin_api_keys.retrieve
    ("GET", "/v1/organization/admin_api_keys/{key_id}", "object", "organization.admin_api_key"),
    # admin.organization.audit_logs.list
    ("GET", "/v1/organization/audit_logs", "list", "organization.audit_log"),
    # admin.organization.certificates.list
    ("GET", "/v1/organization/certificates", "list", "organization.certificate"),
    # admin.organization.certificates.create
    ("POST", "/v1/organization/certificates", "object", "certificate"),
    # admin.organization.certificates.activate
    ("POST", "/v1/organization/certificates/activate", "list", "organization.certificate"),
    # admin.organization.certificates.deactivate
    ("POST", "/v1/organization/certificates/deactivate", "list", "organization.certificate"),
    # admin.organization.certificates.delete
    ("DELETE", "/v1/organization/certificates/{certificate_id}", "deleted", "certificate.deleted"),
    # admin.organization.certificates.retrieve
    ("GET", "/v1/organization/certificates/{certificate_id}", "object", "certificate"),
    # admin.organization.certificates.update
    ("POST", "/v1/organization/certificates/{certificate_id}", "object", "certificate"),
    ("GET", "/v1/organization/costs", "object", "page"),  # admin.organization.usage.costs
    # admin.organization.data_retention.retrieve
    ("GET", "/v1/organization/data_retention", "object", "organization.data_retention"),
    # admin.organization.data_retention.update
    ("POST", "/v1/organization/data_retention", "object", "organization.data_retention"),
    # admin.organization.external_keys.list
    ("GET", "/v1/organization/external_keys", "list", "organization.external_key"),
    # admin.organization.external_keys.create
    ("POST", "/v1/organization/external_keys", "object", "organization.external_key"),
    # admin.organization.external_keys.delete
    ("DELETE", "/v1/organization/external_keys/{external_key_id}", "deleted", "organization.external_key.deleted"),
    # admin.organization.external_keys.retrieve
    ("GET", "/v1/organization/external_keys/{external_key_id}", "object", "organization.external_key"),
    # admin.organization.external_keys.validate
    ("POST", "/v1/organization/external_keys/{external_key_id}/validate", "object", "organization.external_key.validation"),
    # admin.organization.external_storage.list
    ("GET", "/v1/organization/external_storage", "list", "organization.external_storage"),
    # admin.organization.external_storage.create
    ("POST", "/v1/organization/external_storage", "object", "organization.external_storage"),
    # admin.organization.external_storage.delete
    ("DELETE", "/v1/organization/external_storage/{external_storage_id}", "deleted", "organization.external_storage.deleted"),
    # admin.organization.external_storage.retrieve
    ("GET", "/v1/organization/external_storage/{external_storage_id}", "object", "organization.external_storage"),
    # admin.organization.external_storage.validate
    ("POST", "/v1/organization/external_storage/{external_storage_id}/validate", "object", "organization.external_storage"),
    ("GET", "/v1/organization/groups", "list", "group"),  # admin.organization.groups.list
    ("POST", "/v1/organization/groups", "object", "group"),  # admin.organization.groups.create
    # admin.organization.groups.delete
    ("DELETE", "/v1/organization/groups/{group_id}", "deleted", "group.deleted"),
    # admin.organization.groups.retrieve
    ("GET", "/v1/organization/groups/{group_id}", "object", "group"),
    # admin.organization.groups.update
    ("POST", "/v1/organization/groups/{group_id}", "object", "group"),
    # admin.organization.groups.roles.list
    ("GET", "/v1/organization/groups/{group_id}/roles", "list", "group.role"),
    # admin.organization.groups.roles.create
    ("POST", "/v1/organization/groups/{group_id}/roles", "object", "group.role"),
    # admin.organization.groups.roles.delete
    ("DELETE", "/v1/organization/groups/{group_id}/roles/{role_id}", "deleted", "group.role.deleted"),
    # admin.organization.groups.roles.retrieve
    ("GET", "/v1/organization/groups/{group_id}/roles/{role_id}", "object", "group.role"),
    # admin.organization.groups.users.list
    ("GET", "/v1/organization/groups/{group_id}/users", "list", "group.user"),
    # admin.organization.groups.users.create
    ("POST", "/v1/organization/groups/{group_id}/users", "object", "group.user"),
    # admin.organization.groups.users.delete
    ("DELETE", "/v1/organization/groups/{group_id}/users/{user_id}", "deleted", "group.user.deleted"),
    # admin.organization.groups.users.retrieve
    ("GET", "/v1/organization/groups/{group_id}/users/{user_id}", "object", "group.user"),
    # admin.organization.invites.list
    ("GET", "/v1/organization/invites", "list", "organization.invite"),
    # admin.organization.invites.create
    ("POST", "/v1/organization/invites", "object", "organization.invite"),
    # admin.organization.invites.delete
    ("DELETE", "/v1/organization/invites/{invite_id}", "deleted", "organization.invite.deleted"),
    # admin.organization.invites.retrieve
    ("GET", "/v1/organization/invites/{invite_id}", "object", "organization.invite"),
    # admin.organization.projects.list
    ("GET", "/v1/organization/projects", "list", "organization.project"),
    # admin.organization.projects.create
    ("POST", "/v1/organization/projects", "object", "organization.project"),
    # admin.organization.projects.retrieve
    ("GET", "/v1/organization/projects/{project_id}", "object", "organization.project"),
    # admin.organization.projects.update
    ("POST", "/v1/organization/projects/{project_id}", "object", "organization.project"),
    # admin.organization.projects.api_keys.list
    ("GET", "/v1/organization/projects/{project_id}/api_keys", "list", "organization.project.api_key"),
    # admin.organization.projects.api_keys.delete
    ("DELETE", "/v1/organization/projects/{project_id}/api_keys/{api_key_id}", "deleted", "organization.project.api_key.deleted"),
    # admin.organization.projects.api_keys.retrieve
    ("GET", "/v1/organization/projects/{project_id}/api_keys/{api_key_id}", "object", "organization.project.api_key"),
    # admin.organization.projects.api_keys.update
    ("POST", "/v1/organization/projects/{project_id}/api_keys/{api_key_id}", "object", "organization.project.api_key"),
    # admin.organization.projects.archive
    ("POST", "/v1/organization/projects/{project_id}/archive", "object", "organization.project"),
    # admin.organization.projects.certificates.list
    ("GET", "/v1/organization/projects/{project_id}/certificates", "list", "organization.project.certificate"),
    # admin.organization.projects.certificates.activate
    ("POST", "/v1/organization/projects/{project_id}/certificates/activate", "list", "organization.project.certificate"),
    # admin.organization.projects.certificates.deactivate
    ("POST", "/v1/organization/projects/{project_id}/certificates/deactivate", "list", "organization.project.certificate"),
    # admin.organization.projects.data_retention.retrieve
    ("GET", "/v1/organization/projects/{project_id}/data_retention", "object", "project.data_retention"),
    # admin.organization.projects.data_retention.update
    ("POST", "/v1/organization/projects/{project_id}/data_retention", "object", "project.data_retention"),
    # admin.organization.projects.groups.list
    ("GET", "/v1/organization/projects/{project_id}/groups", "list", "project.group"),
    # admin.organization.projects.groups.create
    ("POST", "/v1/organization/projects/{project_id}/groups", "object", "project.group"),
    # admin.organization.projects.groups.delete
    ("DELETE", "/v1/organization/projects/{project_id}/groups/{group_id}", "deleted", "project.group.deleted"),
    # admin.organization.projects.groups.retrieve
    ("GET", "/v1/organization/projects/{project_id}/groups/{group_id}", "object", "project.group"),
    # admin.organization.projects.hosted_tool_permissions.retrieve
    ("GET", "/v1/organization/projects/{project_id}/hosted_tool_permissions", "object", "project.hosted_tool_permissions"),
    # admin.organization.projects.hosted_tool_permissions.update
    ("POST", "/v1/organization/projects/{project_id}/hosted_tool_permissions", "object", "project.hosted_tool_permissions"),
    # admin.organization.projects.model_permissions.delete
    ("DELETE", "/v1/organization/projects/{project_id}/model_permissions", "deleted", "project.model_permissions.deleted"),
    # admin.organization.projects.model_permissions.retrieve
    ("GET", "/v1/organization/projects/{project_id}/model_permissions", "object", "project.model_permissions"),
    # admin.organization.projects.model_permissions.update
    ("POST", "/v1/organization/projects/{project_id}/model_permissions", "object", "project.model_permissions"),
    # admin.organization.projects.rate_limits.list_rate_limits
    ("GET", "/v1/organization/projects/{project_id}/rate_limits", "list", "project.rate_limit"),
    # admin.organization.projects.rate_limits.update_rate_limit
    ("POST", "/v1/organization/projects/{project_id}/rate_limits/{rate_limit_id}", "object", "project.rate_limit"),
    # admin.organization.projects.service_accounts.list
    ("GET", "/v1/organization/projects/{project_id}/service_accounts", "list", "organization.project.service_account"),
    # admin.organization.projects.service_accounts.create
    ("POST", "/v1/organization/projects/{project_id}/service_accounts", "object", "organization.project.service_account"),
    # admin.organization.projects.service_accounts.delete
    ("DELETE", "/v1/organization/projects/{project_id}/service_accounts/{service_account_id}", "deleted", "organization.project.service_account.deleted"),
    # admin.organization.projects.service_accounts.retrieve
    ("GET", "/v1/organization/projects/{project_id}/service_accounts/{service_account_id}", "object", "organization.project.service_account"),
    # admin.organization.projects.service_accounts.update
    ("POST", "/v1/organization/projects/{project_id}/service_accounts/{service_account_id}", "object", "organization.project.service_account"),
    # admin.organization.projects.service_accounts.api_keys.create
    ("POST", "/v1/organization/projects/{project_id}/service_accounts/{service_account_id}/api_keys", "object", "organization.project.service_account.api_key"),
    # admin.organization.projects.service_tier_settings.retrieve
    ("GET", "/v1/organization/projects/{project_id}/service_tier_settings", "object", "project.service_tier_settings"),
    # admin.organization.projects.service_tier_settings.update
    ("POST", "/v1/organization/projects/{project_id}/service_tier_settings", "object", "project.service_tier_settings"),
    # admin.organization.projects.spend_alerts.list
    ("GET", "/v1/organization/projects/{project_id}/spend_alerts", "list", "project.spend_alert"),
    # admin.organization.projects.spend_alerts.create
    ("POST", "/v1/organization/projects/{project_id}/spend_alerts", "object", "project.spend_alert"),
    # admin.organization.projects.spend_alerts.delete
    ("DELETE", "/v1/organization/projects/{project_id}/spend_alerts/{alert_id}", "deleted", "project.spend_alert.deleted"),
    # admin.organization.projects.spend_alerts.retrieve
    ("GET", "/v1/organization/projects/{project_id}/spend_alerts/{alert_id}", "object", "project.spend_alert"),
    # admin.organization.projects.spend_alerts.update
    ("POST", "/v1/organization/projects/{project_id}/spend_alerts/{alert_id}", "object", "project.spend_alert"),
    # admin.organization.projects.spend_limit.delete
    ("DELETE", "/v1/organization/projects/{project_id}/spend_limit", "deleted", "project.spend_limit.deleted"),
    # admin.organization.projects.spend_limit.retrieve
    ("GET", "/v1/organization/projects/{project_id}/spend_limit", "object", "project.spend_limit"),
    # admin.organization.projects.spend_limit.update
    ("POST", "/v1/organization/projects/{project_id}/spend_limit", "object", "project.spend_limit"),
    # admin.organization.projects.users.list
    ("GET", "/v1/organization/projects/{project_id}/users", "list", "organization.project.user"),
    # admin.organization.projects.users.create
    ("POST", "/v1/organization/projects/{project_id}/users", "object", "organization.project.user"),
    # admin.organization.projects.users.delete
    ("DELETE", "/v1/organization/projects/{project_id}/users/{user_id}", "deleted", "organization.project.user.deleted"),
    # admin.organization.projects.users.retrieve
    ("GET", "/v1/organization/projects/{project_id}/users/{user_id}", "object", "organization.project.user"),
    # admin.organization.projects.users.update
    ("POST", "/v1/organization/projects/{project_id}/users/{user_id}", "object", "organization.project.user"),
    ("GET", "/v1/organization/roles", "list", "role"),  # admin.organization.roles.list
    ("POST", "/v1/organization/roles", "object", "role"),  # admin.organization.roles.create
    # admin.organization.roles.delete
    ("DELETE", "/v1/organization/roles/{role_id}", "deleted", "role.deleted"),
    # admin.organization.roles.retrieve
    ("GET", "/v1/organization/roles/{role_id}", "object", "role"),
    # admin.organization.roles.update
    ("POST", "/v1/organization/roles/{role_id}", "object", "role"),
    # admin.organization.spend_alerts.list
    ("GET", "/v1/organization/spend_alerts", "list", "organization.spend_alert"),
    # admin.organization.spend_alerts.create
    ("POST", "/v1/organization/spend_alerts", "object", "organization.spend_alert"),
    # admin.organization.spend_alerts.delete
    ("DELETE", "/v1/organization/spend_alerts/{alert_id}", "deleted", "organization.spend_alert.deleted"),
    # admin.organization.spend_alerts.retrieve
    ("GET", "/v1/organization/spend_alerts/{alert_id}", "object", "organization.spend_alert"),
    # admin.organization.spend_alerts.update
    ("POST", "/v1/organization/spend_alerts/{alert_id}", "object", "organization.spend_alert"),
    # admin.organization.spend_limit.delete
    ("DELETE", "/v1/organization/spend_limit", "deleted", "organization.spend_limit.deleted"),
    # admin.organization.spend_limit.retrieve
    ("GET", "/v1/organization/spend_limit", "object", "organization.spend_limit"),
    # admin.organization.spend_limit.update
    ("POST", "/v1/organization/spend_limit", "object", "organization.spend_limit"),
    # admin.organization.usage.audio_speeches
    ("GET", "/v1/organization/usage/audio_speeches", "object", "page"),
    # admin.organization.usage.audio_transcriptions
    ("GET", "/v1/organization/usage/audio_transcriptions", "object", "page"),
    # admin.organization.usage.code_interpreter_sessions
    ("GET", "/v1/organization/usage/code_interpreter_sessions", "object", "page"),
    # admin.organization.usage.completions
    ("GET", "/v1/organization/usage/completions", "object", "page"),
    # admin.organization.usage.decisions
    ("GET", "/v1/organization/usage/decisions", "object", "page"),
    # admin.organization.usage.embeddings
    ("GET", "/v1/organization/usage/embeddings", "object", "page"),
    # admin.organization.usage.file_search_calls
    ("GET", "/v1/organization/usage/file_search_calls", "object", "page"),
    ("GET", "/v1/organization/usage/images", "object", "page"),  # admin.organization.usage.images
    # admin.organization.usage.moderations
    ("GET", "/v1/organization/usage/moderations", "object", "page"),
    # admin.organization.usage.vector_stores
    ("GET", "/v1/organization/usage/vector_stores", "object", "page"),
    # admin.organization.usage.web_search_calls
    ("GET", "/v1/organization/usage/web_search_calls", "object", "page"),
    ("GET", "/v1/organization/users", "list", "organization.user"),  # admin.organization.users.list
    # admin.organization.users.delete
    ("DELETE", "/v1/organization/users/{user_id}", "deleted", "organization.user.deleted"),
    # admin.organization.users.retrieve
    ("GET", "/v1/organization/users/{user_id}", "object", "organization.user"),
    # admin.organization.users.update
    ("POST", "/v1/organization/users/{user_id}", "object", "organization.user"),
    # admin.organization.users.roles.list
    ("GET", "/v1/organization/users/{user_id}/roles", "list", "user.role"),
    # admin.organization.users.roles.create
    ("POST", "/v1/organization/users/{user_id}/roles", "object", "user.role"),
    # admin.organization.users.roles.delete
    ("DELETE", "/v1/organization/users/{user_id}/roles/{role_id}", "deleted", "user.role.deleted"),
    # admin.organization.users.roles.retrieve
    ("GET", "/v1/organization/users/{user_id}/roles/{role_id}", "object", "user.role"),
    # admin.organization.workload_identity_providers.list
    ("GET", "/v1/organization/workload_identity_providers", "list", "organization.workload_identity_provider"),
    # admin.organization.workload_identity_providers.create
    ("POST", "/v1/organization/workload_identity_providers", "object", "organization.workload_identity_provider"),
    # admin.organization.workload_identity_providers.delete
    ("DELETE", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}", "deleted", "organization.workload_identity_provider.deleted"),
    # admin.organization.workload_identity_providers.retrieve
    ("GET", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}", "object", "organization.workload_identity_provider"),
    # admin.organization.workload_identity_providers.update
    ("POST", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}", "object", "organization.workload_identity_provider"),
    # admin.organization.workload_identity_providers.federation_rules.list
    ("GET", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}/federation_rules", "list", "organization.workload_identity_federation_rule"),
    # admin.organization.workload_identity_providers.federation_rules.create
    ("POST", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}/federation_rules", "object", "organization.workload_identity_federation_rule"),
    # admin.organization.workload_identity_providers.federation_rules.delete
    ("DELETE", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}/federation_rules/{workload_identity_federation_rule_id}", "deleted", "organization.workload_identity_federation_rule.deleted"),
    # admin.organization.workload_identity_providers.federation_rules.retrieve
    ("GET", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}/federation_rules/{workload_identity_federation_rule_id}", "object", "organization.workload_identity_federation_rule"),
    # admin.organization.workload_identity_providers.federation_rules.update
    ("POST", "/v1/organization/workload_identity_providers/{workload_identity_provider_id}/federation_rules/{workload_identity_federation_rule_id}", "object", "organization.workload_identity_federation_rule"),
    # admin.organization.projects.groups.roles.list
    ("GET", "/v1/projects/{project_id}/groups/{group_id}/roles", "list", "group.role"),
    # admin.organization.projects.groups.roles.create
    ("POST", "/v1/projects/{project_id}/groups/{group_id}/roles", "object", "group.role"),
    # admin.organization.projects.groups.roles.delete
    ("DELETE", "/v1/projects/{project_id}/groups/{group_id}/roles/{role_id}", "deleted", "group.role.deleted"),
    # admin.organization.projects.groups.roles.retrieve
    ("GET", "/v1/projects/{project_id}/groups/{group_id}/roles/{role_id}", "object", "group.role"),
    # admin.organization.projects.roles.list
    ("GET", "/v1/projects/{project_id}/roles", "list", "role"),
    # admin.organization.projects.roles.create
    ("POST", "/v1/projects/{project_id}/roles", "object", "role"),
    # admin.organization.projects.roles.delete
    ("DELETE", "/v1/projects/{project_id}/roles/{role_id}", "deleted", "role.deleted"),
    # admin.organization.projects.roles.retrieve
    ("GET", "/v1/projects/{project_id}/roles/{role_id}", "object", "role"),
    # admin.organization.projects.roles.update
    ("POST", "/v1/projects/{project_id}/roles/{role_id}", "object", "role"),
    # admin.organization.projects.users.roles.list
    ("GET", "/v1/projects/{project_id}/users/{user_id}/roles", "list", "user.role"),
    # admin.organization.projects.users.roles.create
    ("POST", "/v1/projects/{project_id}/users/{user_id}/roles", "object", "user.role"),
    # admin.organization.projects.users.roles.delete
    ("DELETE", "/v1/projects/{project_id}/users/{user_id}/roles/{role_id}", "deleted", "user.role.deleted"),
    # admin.organization.projects.users.roles.retrieve
    ("GET", "/v1/projects/{project_id}/users/{user_id}/roles/{role_id}", "object", "user.role"),
    ("POST", "/v1/realtime/calls", "binary", "application/sdp"),  # realtime.calls.create
    ("POST", "/v1/realtime/calls/{call_id}/accept", "empty", None),  # realtime.calls.accept
    ("POST", "/v1/realtime/calls/{call_id}/hangup", "empty", None),  # realtime.calls.hangup
    ("POST", "/v1/realtime/calls/{call_id}/refer", "empty", None),  # realtime.calls.refer
    ("POST", "/v1/realtime/calls/{call_id}/reject", "empty", None),  # realtime.calls.reject
    # realtime.client_secrets.create
    ("POST", "/v1/realtime/client_secrets", "client_secret", None),
    # beta.realtime.sessions.create
    ("POST", "/v1/realtime/sessions", "object", "realtime.session"),
    # beta.realtime.transcription_sessions.create
    ("POST", "/v1/realtime/transcription_sessions", "object", "realtime.transcription_session"),
    # realtime.translations.client_secrets.create
    ("POST", "/v1/realtime/translations/client_secrets", "client_secret", None),
    ("POST", "/v1/responses", "own", None),  # beta.responses.create
    ("POST", "/v1/responses/compact", "compaction", None),  # beta.responses.compact
    # beta.responses.input_tokens.count
    ("POST", "/v1/responses/input_tokens", "input_tokens", None),
    ("DELETE", "/v1/responses/{response_id}", "empty", None),  # beta.responses.delete
    ("GET", "/v1/responses/{response_id}", "response", None),  # beta.responses.retrieve
    # beta.responses.cancel
    ("POST", "/v1/responses/{response_id}/cancel", "response", "cancelled"),
    # beta.responses.input_items.list
    ("GET", "/v1/responses/{response_id}/input_items", "list", "message"),
    ("GET", "/v1/safety/alerts/{id}", "object", "safety.alert"),  # safety.alerts.retrieve
    ("GET", "/v1/safety/cases/{id}", "object", "safety.case"),  # safety.cases.retrieve
    ("GET", "/v1/skills", "list", "skill"),  # skills.list
    ("POST", "/v1/skills", "object", "skill"),  # skills.create
    ("DELETE", "/v1/skills/{skill_id}", "deleted", "skill.deleted"),  # skills.delete
    ("GET", "/v1/skills/{skill_id}", "object", "skill"),  # skills.retrieve
    ("POST", "/v1/skills/{skill_id}", "object", "skill"),  # skills.update
    # skills.content.retrieve
    ("GET", "/v1/skills/{skill_id}/content", "binary", "application/zip"),
    ("GET", "/v1/skills/{skill_id}/versions", "list", "skill.version"),  # skills.versions.list
    ("POST", "/v1/skills/{skill_id}/versions", "object", "skill.version"),  # skills.versions.create
    # skills.versions.delete
    ("DELETE", "/v1/skills/{skill_id}/versions/{version}", "deleted", "skill.version.deleted"),
    # skills.versions.retrieve
    ("GET", "/v1/skills/{skill_id}/versions/{version}", "object", "skill.version"),
    # skills.versions.content.retrieve
    ("GET", "/v1/skills/{skill_id}/versions/{version}/content", "binary", "application/zip"),
    ("POST", "/v1/threads", "object", "thread"),  # beta.threads.create
    ("POST", "/v1/threads/runs", "object", "thread.run"),  # beta.threads.create_and_run
    ("DELETE", "/v1/threads/{thread_id}", "deleted", "thread.deleted"),  # beta.threads.delete
    ("GET", "/v1/threads/{thread_id}", "object", "thread"),  # beta.threads.retrieve
    ("POST", "/v1/threads/{thread_id}", "object", "thread"),  # beta.threads.update
    # beta.threads.messages.list
    ("GET", "/v1/threads/{thread_id}/messages", "list", "thread.message"),
    # beta.threads.messages.create
    ("POST", "/v1/threads/{thread_id}/messages", "object", "thread.message"),
    # beta.threads.messages.delete
    ("DELETE", "/v1/threads/{thread_id}/messages/{message_id}", "deleted", "thread.message.deleted"),
    # beta.threads.messages.retrieve
    ("GET", "/v1/threads/{thread_id}/messages/{message_id}", "object", "thread.message"),
    # beta.threads.messages.update
    ("POST", "/v1/threads/{thread_id}/messages/{message_id}", "object", "thread.message"),
    ("GET", "/v1/threads/{thread_id}/runs", "list", "thread.run"),  # beta.threads.runs.list
    ("POST", "/v1/threads/{thread_id}/runs", "object", "thread.run"),  # beta.threads.runs.create
    # beta.threads.runs.retrieve
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}", "object", "thread.run"),
    # beta.threads.runs.update
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}", "object", "thread.run"),
    # beta.threads.runs.cancel
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}/cancel", "object", "thread.run"),
    # beta.threads.runs.steps.list
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}/steps", "list", "thread.run.step"),
    # beta.threads.runs.steps.retrieve
    ("GET", "/v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}", "object", "thread.run.step"),
    # beta.threads.runs.submit_tool_outputs
    ("POST", "/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", "object", "thread.run"),
    ("POST", "/v1/uploads", "object", "upload"),  # uploads.create
    ("POST", "/v1/uploads/{upload_id}/cancel", "object", "upload"),  # uploads.cancel
    ("POST", "/v1/uploads/{upload_id}/complete", "object", "upload"),  # uploads.complete
    ("POST", "/v1/uploads/{upload_id}/parts", "object", "upload.part"),  # uploads.parts.create
    ("GET", "/v1/vaults", "list", "vault"),  # beta.agents.vaults.list
    ("POST", "/v1/vaults", "object", "vault"),  # beta.agents.vaults.create
    ("DELETE", "/v1/vaults/{vault_id}", "deleted", "vault.deleted"),  # beta.agents.vaults.delete
    ("GET", "/v1/vaults/{vault_id}", "object", "vault"),  # beta.agents.vaults.retrieve
    ("POST", "/v1/vaults/{vault_id}", "object", "vault"),  # beta.agents.vaults.update
    # beta.agents.vaults.credentials.list
    ("GET", "/v1/vaults/{vault_id}/credentials", "list", "vault.credential"),
    # beta.agents.vaults.credentials.create
    ("POST", "/v1/vaults/{vault_id}/credentials", "object", "vault.credential"),
    # beta.agents.vaults.credentials.delete
    ("DELETE", "/v1/vaults/{vault_id}/credentials/{credential_id}", "deleted", "vault.credential.deleted"),
    # beta.agents.vaults.credentials.retrieve
    ("GET", "/v1/vaults/{vault_id}/credentials/{credential_id}", "object", "vault.credential"),
    # beta.agents.vaults.credentials.update
    ("POST", "/v1/vaults/{vault_id}/credentials/{credential_id}", "object", "vault.credential"),
    ("GET", "/v1/vector_stores", "list", "vector_store"),  # vector_stores.list
    ("POST", "/v1/vector_stores", "object", "vector_store"),  # vector_stores.create
    # vector_stores.delete
    ("DELETE", "/v1/vector_stores/{vector_store_id}", "deleted", "vector_store.deleted"),
    # vector_stores.retrieve
    ("GET", "/v1/vector_stores/{vector_store_id}", "object", "vector_store"),
    # vector_stores.update
    ("POST", "/v1/vector_stores/{vector_store_id}", "object", "vector_store"),
    # vector_stores.file_batches.create
    ("POST", "/v1/vector_stores/{vector_store_id}/file_batches", "object", "vector_store.files_batch"),
    # vector_stores.file_batches.retrieve
    ("GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}", "object", "vector_store.files_batch"),
    # vector_stores.file_batches.cancel
    ("POST", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", "object", "vector_store.files_batch"),
    # vector_stores.file_batches.list_files
    ("GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", "list", "vector_store.file"),
    # vector_stores.files.list
    ("GET", "/v1/vector_stores/{vector_store_id}/files", "list", "vector_store.file"),
    # vector_stores.files.create
    ("POST", "/v1/vector_stores/{vector_store_id}/files", "object", "vector_store.file"),
    # vector_stores.files.delete
    ("DELETE", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "deleted", "vector_store.file.deleted"),
    # vector_stores.files.retrieve
    ("GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "object", "vector_store.file"),
    # vector_stores.files.update
    ("POST", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "object", "vector_store.file"),
    # vector_stores.files.content
    ("GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}/content", "vs_file_content", None),
    # vector_stores.search
    ("POST", "/v1/vector_stores/{vector_store_id}/search", "vs_search", None),
    ("GET", "/v1/videos", "list", "video"),  # videos.list
    ("POST", "/v1/videos", "object", "video"),  # videos.create
    ("POST", "/v1/videos/characters", "object", "video.character"),  # videos.create_character
    # videos.get_character
    ("GET", "/v1/videos/characters/{character_id}", "object", "video.character"),
    ("POST", "/v1/videos/edits", "object", "video"),  # videos.edit
    ("POST", "/v1/videos/extensions", "object", "video"),  # videos.extend
    ("DELETE", "/v1/videos/{video_id}", "deleted", "video.deleted"),  # videos.delete
    ("GET", "/v1/videos/{video_id}", "object", "video"),  # videos.retrieve
    ("GET", "/v1/videos/{video_id}/content", "binary", "video/mp4"),  # videos.download_content
    ("POST", "/v1/videos/{video_id}/remix", "object", "video"),  # videos.remix
    ("GET", "/v1/webhook_endpoints", "list", "webhook_endpoint"),  # webhooks.list
    ("POST", "/v1/webhook_endpoints", "object", "webhook_endpoint"),  # webhooks.create
    # webhooks.delete
    ("DELETE", "/v1/webhook_endpoints/{webhook_endpoint_id}", "deleted", "webhook_endpoint.deleted"),
    # webhooks.retrieve
    ("GET", "/v1/webhook_endpoints/{webhook_endpoint_id}", "object", "webhook_endpoint"),
    # webhooks.update
    ("POST", "/v1/webhook_endpoints/{webhook_endpoint_id}", "object", "webhook_endpoint"),
    # webhooks.rotate_secret
    ("POST", "/v1/webhook_endpoints/{webhook_endpoint_id}/rotate_secret", "object", "webhook_endpoint"),
    # webhooks.test
    ("POST", "/v1/webhook_endpoints/{webhook_endpoint_id}/test", "object", "webhook_endpoint.test"),
    ("GET", "/v1/webhook_event_types", "webhook_event_types", None),  # webhooks.event_types.list
]


# ---------------------------------------------------------------------------------------------
# One request, one reply


@dataclass
class Call:
    """What a builder sees of one request."""

    method: str
    path: str  # normalised to `/v1/...`
    template: str
    params: dict[str, str]  # path parameters by name
    query: dict[str, str]
    body: bytes
    content_type: str
    json: dict[str, Any] | None = None  # a JSON object body
    form: dict[str, Any] = field(default_factory=dict)  # multipart fields: str or (filename, bytes)

    def field(self, name: str, default: Any = None) -> Any:
        """A request field from the JSON body or the multipart form (text fields as str)."""
        if self.json is not None and name in self.json:
            return self.json[name]
        return self.form.get(name, default)

    def wants_stream(self) -> bool:
        return self.field("stream") in (True, "true", "True")


@dataclass
class Reply:
    """A JSON document, an SSE stream (`(event, data)` pairs), or bytes of `content_type`."""

    status: int = 200
    json: Any = None
    sse: list[tuple[str | None, str]] | None = None
    body: bytes | None = None
    content_type: str = "application/json"


# ---------------------------------------------------------------------------------------------
# Routing

AZURE_DEPLOYMENT = re.compile(r"^/openai/deployments/[^/]+(/.*)$")


def to_v1(path: str) -> str:
    """The OpenAI path of a request path: Azure OpenAI's `/openai/deployments/{d}/X`,
    `/openai/v1/X` and `/openai/X` are `/v1/X`; anything else is unchanged."""
    path = path.split("?", 1)[0]
    m = AZURE_DEPLOYMENT.match(path)
    if m:
        return "/v1" + m.group(1)
    if path.startswith("/openai/v1/"):
        return path[len("/openai"):]
    if path.startswith("/openai/"):
        return "/v1" + path[len("/openai"):]
    return path


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    rx = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{rx}$")


# Literal routes first (`/v1/videos/characters` before `/v1/videos/{video_id}`).
_ROUTES = sorted(
    ((m, t, k, o, _compile(t)) for m, t, k, o in SURFACE),
    key=lambda r: (r[1].count("{"), -len(r[1])),
)


def resolve(method: str, raw_path: str) -> tuple[str, str, str | None, dict[str, str]] | None:
    """(template, kind, object name, path params) of a request, or None off the surface."""
    path = to_v1(raw_path)
    for m, template, kind, obj, rx in _ROUTES:
        if m != method:
            continue
        hit = rx.match(path)
        if hit:
            return template, kind, obj, hit.groupdict()
    return None


def parse_form(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a multipart/form-data body: text fields as str, files as (filename, bytes)."""
    if not content_type.lower().startswith("multipart/"):
        return {}
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    out: dict[str, Any] = {}
    if msg.is_multipart():
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            out[str(name)] = (filename, data) if filename is not None else data.decode(
                "utf-8", "replace")
    return out


def make_call(method: str, raw_path: str, content_type: str, body: bytes) -> Call | None:
    """The `Call` of a request on the surface (None off it). A JSON body that is not an object
    leaves `json` None."""
    hit = resolve(method, raw_path)
    if hit is None:
        return None
    template, _, _, params = hit
    query = {k: v[-1] for k, v in parse_qs(raw_path.partition("?")[2]).items()}
    call = Call(method, to_v1(raw_path), template, params, query, body, content_type)
    if "json" in content_type.lower() and body:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            doc = None
        call.json = doc if isinstance(doc, dict) else None
    call.form = parse_form(content_type, body)
    return call


def answer(call: Call) -> Reply:
    """The reply to an operation of the surface (its kind decides the shape)."""
    _, kind, obj, _ = resolve(call.method, call.path) or ("", "object", None, {})
    builder = BUILDERS.get(kind)
    if builder is None:
        return Reply(500, error("mock: no builder for this operation", "server_error"))
    reply = builder(call, obj)
    stream = STREAMS.get(obj or "")
    if stream is not None and call.wants_stream() and reply.json is not None:
        return Reply(sse=stream(reply.json))
    return reply


# ---------------------------------------------------------------------------------------------
# Shapes

NOW = int(time.time())


def error(message: str, typ: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": typ, "param": None, "code": code}}


def new_id(obj: str | None) -> str:
    """An id in the style of the object's ids (`batch_...`, `file-...`, `vs_...`)."""
    prefix = ID_PREFIX.get(obj or "", (obj or "obj").split(".")[-1] + "_")
    return prefix + secrets.token_hex(12)


ID_PREFIX = {
    "file": "file-", "vector_store": "vs_", "vector_store.files_batch": "vsfb_",
    "assistant": "asst_", "thread": "thread_", "thread.message": "msg_", "thread.run": "run_",
    "thread.run.step": "step_", "fine_tuning.job": "ftjob-", "fine_tuning.job.event": "ftevent-",
    "fine_tuning.job.checkpoint": "ftckpt_", "conversation": "conv_", "message": "msg_",
    "chat.completion": "chatcmpl-", "response": "resp_", "container": "cntr_",
    "container.file": "cfile_", "eval": "eval_", "eval.run": "evalrun_", "upload": "upload_",
    "upload.part": "part_", "video": "video_", "skill": "skill_",
    "webhook_endpoint": "we_", "chatkit.session": "cksess_", "chatkit.thread": "cthr_",
}

# Fields beyond id/object/created_at that the SDK types carry, per object (openai-python
# `src/openai/types/**`); request fields of the same name override them.
DEFAULTS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "batch": lambda c: {
        "endpoint": "/v1/chat/completions", "input_file_id": "file-mock", "errors": None,
        "completion_window": "24h", "status": "cancelling" if c.path.endswith("/cancel")
        else "validating", "output_file_id": None, "error_file_id": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": {}},
    "file": lambda c: {"bytes": 0, "filename": "mock.jsonl", "purpose": "batch",
                       "status": "processed", "expires_at": None, "status_details": None},
    "upload": lambda c: {
        "bytes": 0, "filename": "mock.jsonl", "purpose": "batch",
        "status": "completed" if c.path.endswith("/complete") else
        "cancelled" if c.path.endswith("/cancel") else "pending",
        "expires_at": NOW + 3600,
        "file": ({"id": new_id("file"), "object": "file", "bytes": 0, "created_at": NOW,
                  "filename": "mock.jsonl", "purpose": "batch", "status": "processed"}
                 if c.path.endswith("/complete") else None)},
    "upload.part": lambda c: {"upload_id": c.params.get("upload_id", "")},
    "vector_store": lambda c: {
        "name": "mock", "status": "completed", "usage_bytes": 0, "last_active_at": NOW,
        "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0,
                        "total": 0}, "metadata": {}, "expires_after": None, "expires_at": None},
    "vector_store.file": lambda c: {
        "vector_store_id": c.params.get("vector_store_id", ""), "status": "completed",
        "usage_bytes": 0, "last_error": None, "attributes": {}},
    "vector_store.files_batch": lambda c: {
        "vector_store_id": c.params.get("vector_store_id", ""),
        "status": "cancelled" if c.path.endswith("/cancel") else "completed",
        "file_counts": {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0,
                        "total": 0}},
    "assistant": lambda c: {"model": "gpt-4o-mini", "name": None, "description": None,
                            "instructions": None, "tools": [], "metadata": {}},
    "thread": lambda c: {"metadata": {}, "tool_resources": None},
    "thread.message": lambda c: {
        "thread_id": c.params.get("thread_id", ""), "role": "user", "status": "completed",
        "assistant_id": None, "run_id": None, "attachments": [], "metadata": {},
        "content": [{"type": "text", "text": {"value": "You said: " + _text(c.field("content")),
                                              "annotations": []}}]},
    "thread.run": lambda c: {
        "thread_id": c.params.get("thread_id", "thread_mock"),
        "assistant_id": "asst_mock", "status": "cancelling" if c.path.endswith("/cancel")
        else "queued", "model": "gpt-4o-mini", "instructions": "", "tools": [],
        "metadata": {}, "parallel_tool_calls": True, "required_action": None,
        "last_error": None, "usage": None},
    "thread.run.step": lambda c: {
        "thread_id": c.params.get("thread_id", ""), "run_id": c.params.get("run_id", ""),
        "assistant_id": "asst_mock", "type": "message_creation", "status": "completed",
        "step_details": {"type": "message_creation",
                         "message_creation": {"message_id": "msg_mock"}}},
    "conversation": lambda c: {"metadata": {}},
    "fine_tuning.job": lambda c: {
        "model": "gpt-4o-mini-2024-07-18", "status": "cancelled" if c.path.endswith("/cancel")
        else "paused" if c.path.endswith("/pause") else "queued", "training_file": "file-mock",
        "validation_file": None, "fine_tuned_model": None, "finished_at": None,
        "hyperparameters": {"n_epochs": "auto"}, "organization_id": "org-mock",
        "result_files": [], "seed": 0, "trained_tokens": None, "error": None},
    "fine_tuning.job.event": lambda c: {"level": "info", "message": "Job queued."},
    "eval": lambda c: {"name": "mock", "data_source_config": {"type": "custom", "schema": {}},
                       "testing_criteria": [], "metadata": {}},
    "eval.run": lambda c: {"eval_id": c.params.get("eval_id", ""), "status": "queued",
                           "name": "mock", "model": "gpt-4o-mini", "metadata": {}},
    "container": lambda c: {"name": "mock", "status": "running"},
    "container.file": lambda c: {"container_id": c.params.get("container_id", ""),
                                 "bytes": 0, "path": "/mnt/data/mock.txt", "source": "user"},
    "video": lambda c: {"model": "sora-2", "status": "queued", "progress": 0,
                        "seconds": "4", "size": "720x1280"},
    "webhook_endpoint": lambda c: {"url": "https://example.com/hook", "status": "enabled"},
    "chatkit.session": lambda c: {"client_secret": "ck_mock", "status": "active",
                                  "expires_at": NOW + 600},
    "model": lambda c: {"owned_by": "system"},
    "realtime.session": lambda c: {"client_secret": {"value": "ek_mock",
                                                     "expires_at": NOW + 60}},
}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(p.get("text")) if isinstance(p, dict) else _text(p)
                        for p in content)
    return ""


def _echo(call: Call) -> dict[str, Any]:
    """The request's fields, as a created or updated object returns them (JSON bodies only;
    file parts of a form are left out)."""
    if call.json is not None:
        return dict(call.json)
    return {k: v for k, v in call.form.items() if isinstance(v, str)}


def obj(call: Call, name: str | None) -> Reply:
    """One object: id (the path's id when it names one), object, created_at, the object's
    defaults, and for a create/update the request's fields."""
    ids = list(call.params.values())
    doc: dict[str, Any] = {"id": ids[-1] if ids and call.template.endswith("}") else
                           new_id(name), "object": name, "created_at": NOW}
    if name in ("model",):
        doc["created"] = doc.pop("created_at")
    doc.update(DEFAULTS.get(name or "", lambda c: {})(call))
    if call.method == "POST":
        doc.update({k: v for k, v in _echo(call).items() if k not in ("id", "object")})
    return Reply(json=doc)


def page(call: Call, name: str | None) -> Reply:
    """A cursor page of one object (what `list` calls and their auto-pagination read)."""
    item = obj(Call("GET", call.path, call.template + "/{item}", dict(call.params), {}, b"",
                    ""), name).json
    item["id"] = new_id(name)
    return Reply(json={"object": "list", "data": [item], "first_id": item["id"],
                       "last_id": item["id"], "has_more": False})


def deleted(call: Call, name: str | None) -> Reply:
    ids = list(call.params.values())
    return Reply(json={"id": ids[-1] if ids else new_id(name), "object": name,
                       "deleted": True})


def empty(call: Call, _name: str | None) -> Reply:
    return Reply(status=204, body=b"", content_type="")


# Bytes of a tiny, valid file of each type the binary operations return.
WAV = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00"
       b"\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
SDP = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=mock\r\nt=0 0\r\n"


def binary(call: Call, content_type: str | None) -> Reply:
    ctype = content_type or "application/octet-stream"
    data = {"audio/wav": WAV, "application/sdp": SDP}.get(ctype, b"mock bytes\n")
    return Reply(body=data, content_type=ctype)


def file_content(call: Call, _name: str | None) -> Reply:
    """`GET /v1/files/{id}/content`: a batch output line (JSONL), as OpenAI returns it."""
    line = {"id": "batch_req_mock", "custom_id": "1",
            "response": {"status_code": 200, "request_id": "req_mock", "body": {}},
            "error": None}
    return Reply(body=(json.dumps(line) + "\n").encode(), content_type="application/octet-stream")


def speech(call: Call, _name: str | None) -> Reply:
    """`POST /v1/audio/speech`: audio bytes, or SSE `speech.audio.delta`/`done` events when
    `stream_format` is `sse`."""
    if call.field("stream_format") == "sse":
        return Reply(sse=[
            ("speech.audio.delta", json.dumps({"type": "speech.audio.delta",
                                               "audio": base64.b64encode(WAV).decode()})),
            ("speech.audio.done", json.dumps({"type": "speech.audio.done", "usage": {
                "input_tokens": 1, "output_tokens": 1, "total_tokens": 2}})),
        ])
    fmt = call.field("response_format") or "mp3"
    ctype = {"mp3": "audio/mpeg", "wav": "audio/wav", "pcm": "audio/pcm", "opus": "audio/opus",
             "aac": "audio/aac", "flac": "audio/flac"}.get(str(fmt), "audio/mpeg")
    return Reply(body=WAV, content_type=ctype)


def _transcript(call: Call, text: str) -> Reply:
    fmt = str(call.field("response_format") or "json")
    if call.wants_stream():
        return Reply(sse=[
            (None, json.dumps({"type": "transcript.text.delta", "delta": text})),
            (None, json.dumps({"type": "transcript.text.done", "text": text, "usage": {
                "type": "tokens", "input_tokens": 1, "output_tokens": 1, "total_tokens": 2}})),
        ])
    if fmt in ("text", "srt", "vtt"):
        return Reply(body=text.encode(), content_type="text/plain; charset=utf-8")
    doc: dict[str, Any] = {"text": text}
    if fmt == "verbose_json":
        doc.update({"task": "transcribe", "language": "english", "duration": 0.1,
                    "segments": [], "words": []})
    else:
        doc["usage"] = {"type": "tokens", "input_tokens": 1, "output_tokens": 1,
                        "total_tokens": 2}
    return Reply(json=doc)


def transcription(call: Call, _name: str | None) -> Reply:
    """`POST /v1/audio/transcriptions`: the transcript (the mock hears the `prompt`)."""
    return _transcript(call, "You heard: " + str(call.field("prompt") or ""))


def translation(call: Call, _name: str | None) -> Reply:
    return _transcript(call, "You heard: " + str(call.field("prompt") or ""))


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg==")


def images(call: Call, _name: str | None) -> Reply:
    """`POST /v1/images/{generations,edits,variations}`: one image, or SSE partial/completed
    events when the request streams."""
    b64 = base64.b64encode(PNG).decode()
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
             "input_tokens_details": {"text_tokens": 1, "image_tokens": 0}}
    if call.wants_stream():
        kind = "image_edit" if call.path.endswith("/edits") else "image_generation"
        return Reply(sse=[
            (f"{kind}.partial_image", json.dumps({
                "type": f"{kind}.partial_image", "b64_json": b64, "partial_image_index": 0,
                "created_at": NOW, "size": "1024x1024", "quality": "low",
                "background": "opaque", "output_format": "png"})),
            (f"{kind}.completed", json.dumps({
                "type": f"{kind}.completed", "b64_json": b64, "created_at": NOW,
                "size": "1024x1024", "quality": "low", "background": "opaque",
                "output_format": "png", "usage": usage})),
        ])
    return Reply(json={"created": NOW, "data": [{"b64_json": b64, "revised_prompt": None}],
                       "usage": usage})


def chat_completion(call: Call, _name: str | None) -> Reply:
    """A stored chat completion (`GET`/update `POST /v1/chat/completions/{id}`)."""
    return Reply(json={
        "id": call.params["completion_id"], "object": "chat.completion", "created": NOW,
        "model": "gpt-4o-mini", "metadata": (call.json or {}).get("metadata", {}),
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {
            "role": "assistant", "content": "stored", "refusal": None, "annotations": []}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


def response(call: Call, status: str | None) -> Reply:
    """A stored response (`GET /v1/responses/{id}`, cancel)."""
    return Reply(json={
        "id": call.params["response_id"], "object": "response", "created_at": NOW,
        "status": status or "completed", "error": None, "incomplete_details": None,
        "instructions": None, "model": "gpt-4o-mini", "output": [],
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "metadata": {},
        "temperature": 1.0, "top_p": 1.0, "usage": None})


def input_tokens(call: Call, _name: str | None) -> Reply:
    words = len(json.dumps(call.json or {}).split())
    return Reply(json={"object": "response.input_tokens", "input_tokens": words})


def compaction(call: Call, _name: str | None) -> Reply:
    return Reply(json={
        "id": new_id("response"), "object": "response.compaction", "created_at": NOW,
        "output": [{"id": new_id("message"), "type": "compaction", "encrypted_content": "mock"}],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}}})


def conversation_items(call: Call, _name: str | None) -> Reply:
    """`POST /v1/conversations/{id}/items`: the items added, as a list."""
    items = [dict(it, id=new_id("message"), status="completed")
             for it in (call.json or {}).get("items", []) if isinstance(it, dict)]
    return Reply(json={"object": "list", "data": items,
                       "first_id": items[0]["id"] if items else None,
                       "last_id": items[-1]["id"] if items else None, "has_more": False})


def conversation_item(call: Call, _name: str | None) -> Reply:
    return Reply(json={"id": call.params["item_id"], "type": "message", "role": "user",
                       "status": "completed",
                       "content": [{"type": "input_text", "text": "stored"}]})


def grader_run(call: Call, _name: str | None) -> Reply:
    return Reply(json={"reward": 1.0, "metadata": {
        "name": "mock", "type": "string_check", "errors": {}, "execution_time": 0.0,
        "sampled_model_name": None, "scores": {}, "token_usage": None},
        "sub_rewards": {}, "model_grader_token_usage_per_model": {}})


def grader_validate(call: Call, _name: str | None) -> Reply:
    return Reply(json={"grader": (call.json or {}).get("grader")})


def client_secret(call: Call, _name: str | None) -> Reply:
    return Reply(json={"value": "ek_" + secrets.token_hex(12), "expires_at": NOW + 60,
                       "session": dict((call.json or {}).get("session") or {},
                                       type="realtime", object="realtime.session")})


def vs_search(call: Call, _name: str | None) -> Reply:
    query = (call.json or {}).get("query", "")
    return Reply(json={
        "object": "vector_store.search_results.page",
        "search_query": query if isinstance(query, list) else [query],
        "data": [{"file_id": "file-mock", "filename": "mock.txt", "score": 0.5,
                  "attributes": {}, "content": [{"type": "text", "text": "mock"}]}],
        "has_more": False, "next_page": None})


def vs_file_content(call: Call, _name: str | None) -> Reply:
    return Reply(json={"object": "vector_store.file_content.page",
                       "data": [{"type": "text", "text": "mock"}], "has_more": False,
                       "next_page": None})


def webhook_event_types(call: Call, _name: str | None) -> Reply:
    return Reply(json={"object": "list", "data": [{"type": "response.completed"}]})


def agent_events(call: Call, _name: str | None) -> Reply:
    """`GET /v1/agents/sessions/{id}/events`: an SSE stream of session events."""
    event = {"id": new_id("event"), "object": "agent.session.event", "type": "session.idle",
             "created_at": NOW}
    return Reply(sse=[("session.idle", json.dumps(event))])


def own(call: Call, _name: str | None) -> Reply:
    """Answered by mock_openai.py's own handlers; reached only through a path it does not
    route itself (never, by construction)."""
    return Reply(500, error("mock: operation not routed", "server_error"))


def run_stream(run: dict[str, Any]) -> list[tuple[str | None, str]]:
    """An Assistants run streamed (`"stream": true` on a run create, create-and-run or
    tool-output submission): run events, one message with a text delta, then `done`."""
    msg = {"id": new_id("thread.message"), "object": "thread.message", "created_at": NOW,
           "thread_id": run["thread_id"], "run_id": run["id"], "assistant_id": "asst_mock",
           "role": "assistant", "status": "completed", "attachments": [], "metadata": {},
           "content": [{"type": "text", "text": {"value": "mock", "annotations": []}}]}
    delta = {"id": msg["id"], "object": "thread.message.delta", "delta": {"content": [
        {"index": 0, "type": "text", "text": {"value": "mock", "annotations": []}}]}}
    done = dict(run, status="completed")
    return [
        ("thread.run.created", json.dumps(run)),
        ("thread.run.in_progress", json.dumps(dict(run, status="in_progress"))),
        ("thread.message.created", json.dumps(dict(msg, status="in_progress", content=[]))),
        ("thread.message.delta", json.dumps(delta)),
        ("thread.message.completed", json.dumps(msg)),
        ("thread.run.completed", json.dumps(done)),
        ("done", "[DONE]"),
    ]


# Objects whose create answers with an SSE stream when the request says `"stream": true`.
STREAMS: dict[str, Callable[[dict[str, Any]], list[tuple[str | None, str]]]] = {
    "thread.run": run_stream,
}


BUILDERS: dict[str, Callable[[Call, Any], Reply]] = {
    "object": obj, "list": page, "deleted": deleted, "empty": empty, "binary": binary,
    "file_content": file_content, "speech": speech, "transcription": transcription,
    "translation": translation, "images": images, "chat_completion": chat_completion,
    "response": response, "input_tokens": input_tokens, "compaction": compaction,
    "conversation_items": conversation_items, "conversation_item": conversation_item,
    "grader_run": grader_run, "grader_validate": grader_validate,
    "client_secret": client_secret, "vs_search": vs_search,
    "vs_file_content": vs_file_content, "webhook_event_types": webhook_event_types,
    "agent_events": agent_events, "own": own,
}
