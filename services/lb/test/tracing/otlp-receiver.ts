// An OTLP/HTTP trace receiver for tests: a plain HTTP server that takes
// POST /v1/traces the way a collector does, decodes `application/json`
// (OTLP/JSON) and `application/x-protobuf` (with the OTLP message
// definitions below, the subset of opentelemetry-proto's trace messages a
// test reads; protobuf skips the fields it does not know), and keeps every
// span in one flat shape.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import protobuf from 'protobufjs'

/** A span as the tests read it, from either encoding. */
export interface ReceivedSpan {
  readonly service: string
  readonly scope: string
  readonly traceId: string
  readonly spanId: string
  /** '' for a root span. */
  readonly parentSpanId: string
  readonly name: string
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number
  readonly attributes: Readonly<Record<string, string | number | boolean>>
}

export const SpanKinds = Object.freeze({ internal: 1, server: 2, client: 3 })

// Field numbers from opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1).
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  repeated KeyValue attributes = 9;
}
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
  }
}
`
const ExportRequest = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest')

// The decoded request, the same shape for both encodings once ids are hex.
interface AnyValue { stringValue?: string, boolValue?: boolean, intValue?: string | number, doubleValue?: number }
interface KeyValue { key: string, value?: AnyValue }
interface WireSpan { traceId: string, spanId: string, parentSpanId?: string, name: string, kind?: number, attributes?: KeyValue[] }
interface WireRequest {
  resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }, scopeSpans?: Array<{ scope?: { name?: string }, spans?: WireSpan[] }> }>
}

function valueOf (value: AnyValue | undefined): string | number | boolean {
  if (value === undefined) return ''
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  return ''
}

function attributesOf (list: readonly KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]))
}

function flatten (request: WireRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = []
  for (const rs of request.resourceSpans ?? []) {
    const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '')
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        spans.push({
          service,
          scope: ss.scope?.name ?? '',
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes)
        })
      }
    }
  }
  return spans
}

function decodeProtobuf (body: Buffer): WireRequest {
  const message = ExportRequest.decode(body)
  // bytes as hex (the JSON encoding's form), longs as strings
  return ExportRequest.toObject(message, { longs: String, bytes: String, defaults: false })
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = []
  /** Content types of the export requests received, in order. */
  readonly contentTypes: string[] = []
  /** Paths POSTed to that are not /v1/traces (metrics, logs): none are expected. */
  readonly otherPaths: string[] = []
  private readonly server: Server

  constructor () {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          this.otherPaths.push(`${req.method ?? ''} ${req.url ?? ''}`)
          res.writeHead(404).end()
          return
        }
        try {
          const request = type === 'application/json' ? JSON.parse(body.toString('utf8')) as WireRequest : hexIds(decodeProtobuf(body))
          this.contentTypes.push(type)
          this.spans.push(...flatten(request))
          // an empty ExportTraceServiceResponse, in the request's encoding
          res.writeHead(200, { 'content-type': type }).end(type === 'application/json' ? '{}' : undefined)
        } catch (error) {
          res.writeHead(400).end(String(error))
        }
      })
    })
  }

  async listen (): Promise<string> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async close (): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  inTrace (traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId)
  }
}

// protobufjs gives bytes as base64 with `bytes: String`; OTLP/JSON has them in hex.
function hexIds (request: WireRequest): WireRequest {
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        span.traceId = Buffer.from(span.traceId, 'base64').toString('hex')
        span.spanId = Buffer.from(span.spanId, 'base64').toString('hex')
        span.parentSpanId = span.parentSpanId === undefined ? '' : Buffer.from(span.parentSpanId, 'base64').toString('hex')
      }
    }
  }
  return request
}
