// Every response says where its time went, in a Server-Timing header
// (always on, tracing or not): `node` is the node's own total, `store-read`
// and `store-write` the time it waited on memcached and how many commands it
// sent. The store publishes each finished command on a diagnostics channel;
// an AsyncLocalStorage tells which request sent it.
import { AsyncLocalStorage } from 'node:async_hooks'
import diagnosticsChannel from 'node:diagnostics_channel'
import { COMMAND_CHANNEL_NAME, type CommandEvent } from '@stickless/memcached-store'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onSendHookHandler } from 'fastify'
import { StoreTimings } from './store-timings.js'
import { withHookLast } from '../route-hooks.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The memcached commands this request has sent so far (Server-Timing). */
    storeTimings: StoreTimings | null
  }
}

/** Installs the collection and the header on the root instance, before any route is added. */
export function installServerTiming (app: FastifyInstance): void {
  const requests = new AsyncLocalStorage<StoreTimings>()
  function recordCommand (message: unknown): void {
    requests.getStore()?.record(message as CommandEvent)
  }
  diagnosticsChannel.subscribe(COMMAND_CHANNEL_NAME, recordCommand)
  app.addHook('onClose', function stopRecordingCommands (_instance, done) {
    diagnosticsChannel.unsubscribe(COMMAND_CHANNEL_NAME, recordCommand)
    done()
  })

  app.decorateRequest('storeTimings', null)
  app.addHook('onRequest', function collectStoreTimings (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const timings = request.storeTimings = new StoreTimings()
    requests.run(timings, done)
  })
  // A body arrives in the socket's callbacks, outside the context entered
  // above: the hooks after parsing and the handler enter it again.
  // A request without a body gets here still inside it: nothing to enter.
  app.addHook('preValidation', function resumeStoreTimings (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const timings = request.storeTimings
    if (timings === null || requests.getStore() === timings) done()
    else requests.run(timings, done)
  })

  // The header is written by a route-level onSend hook, which runs after
  // every instance-level one, so the session's save (an onSend hook of
  // @fastify/session) is counted. A response without a route (404) gets it
  // from the instance-level hook below.
  app.addHook('onRoute', function timeRoute (routeOptions) {
    routeOptions.onSend = withHookLast(routeOptions.onSend, addServerTiming)
  })
  app.addHook('onSend', function addServerTimingWithoutRoute (request, reply, payload, done) {
    // is404 says what routeOptions.url === undefined says, without building routeOptions
    if (request.is404) reply.header('server-timing', serverTimingOf(reply.elapsedTime, request.storeTimings))
    done(null, payload)
  })
}

const addServerTiming: onSendHookHandler = function addServerTiming (request, reply, payload, done) {
  reply.header('server-timing', serverTimingOf(reply.elapsedTime, request.storeTimings))
  done(null, payload)
}

/** `node;dur=3.1, store-read;dur=0.8;desc="2 commands", store-write;dur=1.2;desc="2 commands"` */
export function serverTimingOf (nodeMs: number, timings: StoreTimings | null): string {
  const node = `node;dur=${round(nodeMs)}`
  if (timings === null) return node
  const { read, write } = timings
  return `${node}, store-read;dur=${round(read.busyMs)};desc="${commands(read.commands)}", store-write;dur=${round(write.busyMs)};desc="${commands(write.commands)}"`
}

function round (ms: number): number {
  return Math.round(ms * 10) / 10
}

function commands (n: number): string {
  return n === 1 ? '1 command' : `${n} commands`
}
