// One logging interface for every module, so storage and transport can log without knowing about winston,
// and tests can pass a silent or capturing logger.
import winston from 'winston';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface LoggerOptions {
  /** Shown at the start of every console line, e.g. the node id. */
  label: string;
  level?: string;
  /** Also append JSON lines to this file. */
  file?: string;
  console?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  const transports: winston.transport[] = [];
  if (opts.console !== false) {
    transports.push(
      new winston.transports.Console({
        format: winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.printf((i) => `${i.timestamp} [${opts.label}] ${i.level}: ${i.message}`),
        ),
      }),
    );
  }
  if (opts.file) {
    transports.push(
      new winston.transports.File({
        filename: opts.file,
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  return winston.createLogger({ level: opts.level ?? 'info', transports });
}
