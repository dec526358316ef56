"""The REST client against the fake GitHub: pagination, retries, errors that say what to do."""

from __future__ import annotations

import pytest
from gh_fake import FakeGitHub

from reconciler.githubapi.client import GitHubClient, GitHubError


def test_pagination_follows_link_headers(github: FakeGitHub, client: GitHubClient) -> None:
    for i in range(5):
        github.comments[i + 1] = {"id": i + 1, "issue_number": 1, "body": str(i)}
    bodies = [c["body"] for c in client.paginate("/repos/o/r/issues/1/comments")]
    assert bodies == ["0", "1", "2", "3", "4"]
    assert len(github.calls("GET", r"/issues/1/comments$")) == 3  # pages of 2


def test_server_errors_are_retried_with_backoff(github: FakeGitHub) -> None:
    waits: list[float] = []
    client = GitHubClient(token="ghs_fake_token_for_tests", api_url=github.url, sleep=waits.append)
    github.add_pr(1, files=[])
    github.fail_next(502)
    github.fail_next(503)
    assert client.request("GET", "/repos/o/r/pulls/1")["number"] == 1
    assert len(waits) == 2 and 0 < waits[0] <= 1.0 and waits[0] < waits[1] * 2


def test_secondary_rate_limit_honours_retry_after(github: FakeGitHub) -> None:
    waits: list[float] = []
    client = GitHubClient(token="ghs_fake_token_for_tests", api_url=github.url, sleep=waits.append)
    github.add_pr(1, files=[])
    github.fail_next(403, headers={"Retry-After": "7"}, message="You have exceeded a secondary rate limit")
    assert client.request("GET", "/repos/o/r/pulls/1")["number"] == 1
    assert waits == [7.0]


def test_gives_up_after_max_attempts(github: FakeGitHub, client: GitHubClient) -> None:
    for _ in range(4):
        github.fail_next(500)
    with pytest.raises(GitHubError) as info:
        client.request("GET", "/repos/o/r/pulls/1")
    assert info.value.status == 500 and "after 4 attempts" in str(info.value)


def test_forbidden_names_the_permission_and_never_the_token(github: FakeGitHub, client: GitHubClient) -> None:
    github.fail_next(403, message="Resource not accessible by integration")
    with pytest.raises(GitHubError) as info:
        client.request("POST", "/repos/o/r/issues/1/comments", json_body={"body": "x"})
    assert "pull-requests: write" in (info.value.hint or "") and "issues: write" in (info.value.hint or "")
    assert len(github.calls("POST")) == 1  # a permission error is not retried
    assert "ghs_fake" not in str(info.value) + (info.value.hint or "") + repr(client)


def test_bad_token_and_unreachable_host(github: FakeGitHub) -> None:
    wrong = GitHubClient(token="nope", api_url=github.url, sleep=lambda _s: None)
    with pytest.raises(GitHubError) as info:
        wrong.request("GET", "/repos/o/r/pulls/1")
    assert info.value.status == 401 and "GITHUB_TOKEN" in (info.value.hint or "")
    gone = GitHubClient(token="x", api_url="http://127.0.0.1:9", sleep=lambda _s: None, max_attempts=2)
    with pytest.raises(GitHubError, match="cannot reach"):
        gone.request("GET", "/repos/o/r/pulls/1")


def test_token_comes_from_the_environment() -> None:
    with pytest.raises(GitHubError, match="GITHUB_TOKEN is not set"):
        GitHubClient.from_env({})
    client = GitHubClient.from_env({"GITHUB_TOKEN": "t", "GITHUB_API_URL": "https://ghe.example/api/v3/"})
    assert client.api_url == "https://ghe.example/api/v3"


def test_an_exhausted_hourly_quota_is_not_waited_for(github: FakeGitHub) -> None:
    import time

    waits: list[float] = []
    client = GitHubClient(token="ghs_fake_token_for_tests", api_url=github.url, sleep=waits.append)
    reset = str(int(time.time()) + 1800)
    github.fail_next(
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        message="API rate limit exceeded",
    )
    with pytest.raises(GitHubError) as info:
        client.request("GET", "/repos/o/r/pulls/1")
    assert waits == [] and "rate-limited" in (info.value.hint or "")
