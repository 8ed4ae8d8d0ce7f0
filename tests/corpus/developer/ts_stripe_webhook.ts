// TypeScript: a Stripe webhook handler that verifies the signature with the endpoint secret
import type { NextApiRequest, NextApiResponse } from 'next';
import Stripe from 'stripe';
import { buffer } from 'micro';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-04-10' });
const endpointSecret = process.env.STRIPE_WEBHOOK_SECRET!;

export const config = { api: { bodyParser: false } };

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return res.status(405).end('Method Not Allowed');
  }
  const sig = req.headers['stripe-signature'] as string;
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(await buffer(req), sig, endpointSecret);
  } catch (err) {
    console.warn('webhook signature verification failed', (err as Error).message);
    return res.status(400).send(`Webhook Error: ${(err as Error).message}`);
  }
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object as Stripe.Checkout.Session;
      console.log(`checkout ${session.id} for customer ${session.customer}`);
      break;
    }
    case 'invoice.payment_failed':
      console.log(`payment failed for ${(event.data.object as Stripe.Invoice).id}`);
      break;
    default:
      console.log(`unhandled event ${event.type}`);
  }
  res.json({ received: true });
}
