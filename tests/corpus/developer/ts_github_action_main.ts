// TypeScript: the entry point of a JavaScript GitHub Action using @actions/core
import * as core from '@actions/core';
import * as github from '@actions/github';

async function run(): Promise<void> {
  try {
    const token = core.getInput('github-token', { required: true });
    const label = core.getInput('label') || 'needs-review';
    const octokit = github.getOctokit(token);
    const { owner, repo } = github.context.repo;
    const pr = github.context.payload.pull_request;
    if (!pr) {
      core.info('not a pull_request event, nothing to do');
      return;
    }
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pr.number });
    const touched = files.filter((f) => f.filename.startsWith('migrations/'));
    if (touched.length > 0) {
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: [label] });
      core.setOutput('labelled', 'true');
      core.notice(`${touched.length} migration file(s) changed; added label ${label}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

void run();
