// SPDX-License-Identifier: GPL-3.0-or-later
// The OpenTelemetry JS SDK as a real OTLP/HTTP sender: a LoggerProvider with a batch
// processor and the http (JSON) or proto exporter, maybe gzipped, sending records with
// severities, attributes, an exception, a trace context and resource attributes.
// usage: node send.js PORT json|proto none|gzip
'use strict';

const { context, trace, TraceFlags } = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { Resource } = require('@opentelemetry/resources');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');

const [port, protocol, compression] = process.argv.slice(2);
const { OTLPLogExporter } = protocol === 'proto'
  ? require('@opentelemetry/exporter-logs-otlp-proto')
  : require('@opentelemetry/exporter-logs-otlp-http');

const exporter = new OTLPLogExporter({
  url: `http://127.0.0.1:${port}/v1/logs`,
  compression: compression === 'gzip' ? 'gzip' : 'none',
});
// The batch processor hides the outcome: every export's is kept to exit with.
let failed = false;
const exportBatch = exporter.export.bind(exporter);
exporter.export = (records, done) => exportBatch(records, (result) => {
  if (result.code !== 0) {
    failed = true;
    console.error('export failed:', result.error);
  }
  done(result);
});

const tag = `${protocol}-${compression}`;
const provider = new LoggerProvider({
  resource: new Resource({ 'service.name': `node-${tag}`, 'host.name': 'node-host',
                           'deployment.environment': 'test' }),
});
provider.addLogRecordProcessor(new BatchLogRecordProcessor(exporter));
const logger = provider.getLogger('shop.checkout', '1.0.0');

const spanContext = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
                      traceFlags: TraceFlags.SAMPLED };
const inSpan = trace.setSpanContext(context.active(), spanContext);

logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO',
              body: `${tag} order placed`, attributes: { 'order.id': 17, user: 'alice' },
              context: inSpan });
logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN',
              body: `${tag} stock low`, attributes: { sku: 'A-1' } });
const error = new TypeError('x is undefined');
logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR',
              body: `${tag} payment failed`, context: inSpan,
              attributes: { 'exception.type': error.name, 'exception.message': error.message,
                            'exception.stacktrace': error.stack } });
logger.emit({ severityNumber: SeverityNumber.DEBUG, body: { event: `${tag} structured`, n: 2 } });

provider.shutdown().then(() => process.exit(failed ? 1 : 0));
