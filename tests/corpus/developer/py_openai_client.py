# Python: a script that calls the OpenAI API with the key taken from the environment
import json
import os
import sys
import time

from openai import OpenAI, RateLimitError

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], organization=os.getenv("OPENAI_ORG_ID"))

SYSTEM = "You are a release-notes writer. Be concise; group changes by area."


def summarize(commits: list[str], model: str = "gpt-4o-mini") -> str:
    for attempt in range(5):
        try:
            resp = client.chat.completions.create(
                model=model,
                temperature=0.2,
                max_tokens=800,
                messages=[
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": "\n".join(commits)},
                ],
            )
            return resp.choices[0].message.content
        except RateLimitError:
            time.sleep(2 ** attempt)
    raise RuntimeError("rate limited five times")


if __name__ == "__main__":
    lines = [l.strip() for l in sys.stdin if l.strip()]
    print(json.dumps({"notes": summarize(lines)}, indent=2))
