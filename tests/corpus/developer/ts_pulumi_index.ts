// TypeScript/Pulumi: a program creating a secret and a Cloud Run service with secret env
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

const config = new pulumi.Config();
const stripeKey = config.requireSecret('stripeSecretKey');
const project = gcp.config.project!;

const sessionSecret = new random.RandomPassword('session-secret', { length: 48, special: false });

const secret = new gcp.secretmanager.Secret('session-secret', {
  secretId: 'web-session-secret',
  replication: { auto: {} },
});
new gcp.secretmanager.SecretVersion('session-secret-v1', {
  secret: secret.id,
  secretData: sessionSecret.result,
});

const stripe = new gcp.secretmanager.Secret('stripe-key', { secretId: 'stripe-secret-key', replication: { auto: {} } });
new gcp.secretmanager.SecretVersion('stripe-key-v1', { secret: stripe.id, secretData: stripeKey });

export const service = new gcp.cloudrunv2.Service('web', {
  location: 'europe-west1',
  template: {
    containers: [{
      image: `europe-west1-docker.pkg.dev/${project}/web/web:${config.require('imageTag')}`,
      envs: [
        { name: 'SESSION_SECRET', valueSource: { secretKeyRef: { secret: secret.secretId, version: 'latest' } } },
        { name: 'STRIPE_SECRET_KEY', valueSource: { secretKeyRef: { secret: stripe.secretId, version: 'latest' } } },
      ],
    }],
  },
}).uri;
