/*
 * The slice of `net-snmp` (3.x, untyped CommonJS) that the poller uses. Only
 * session.ts imports the module; everything else sees our own SnmpValue types.
 */
declare module 'net-snmp' {
  namespace NetSnmp {
    interface Varbind {
      oid: string;
      type: number;
      value: unknown;
    }
    interface SessionOptions {
      port?: number;
      retries?: number;
      timeout?: number;
      backoff?: number;
      transport?: 'udp4' | 'udp6';
      version?: number;
      idBitsSize?: 16 | 32;
      context?: string;
    }
    interface V3User {
      name: string;
      level: number;
      authProtocol?: number;
      authKey?: string;
      privProtocol?: number;
      privKey?: string;
    }
    type ResponseCallback = (error: Error | null, varbinds?: Varbind[]) => void;
    type FeedCallback = (varbinds: Varbind[]) => boolean | void;
    type DoneCallback = (error: Error | null) => void;
    interface Session {
      get(oids: string[], cb: ResponseCallback): Session;
      subtree(oid: string, maxRepetitions: number, feed: FeedCallback, done: DoneCallback): Session;
      close(): Session;
      on(event: 'error', listener: (err: Error) => void): Session;
      on(event: 'close', listener: () => void): Session;
    }
    const Version2c: number;
    const Version3: number;
    const SecurityLevel: { readonly noAuthNoPriv: number; readonly authNoPriv: number; readonly authPriv: number };
    const AuthProtocols: {
      readonly md5: number;
      readonly sha: number;
      readonly sha224: number;
      readonly sha256: number;
      readonly sha384: number;
      readonly sha512: number;
    };
    const PrivProtocols: { readonly des: number; readonly aes: number; readonly aes256b: number; readonly aes256r: number };
    const ObjectType: Readonly<Record<string, number | string>>;
    const ResponseInvalidCode: Readonly<Record<string, number | string>>;
    const ErrorStatus: Readonly<Record<string, number | string>>;
    function createSession(target: string, community: string, options: SessionOptions): Session;
    function createV3Session(target: string, user: V3User, options: SessionOptions): Session;
    function isVarbindError(varbind: Varbind): boolean;
  }
  export = NetSnmp;
}
