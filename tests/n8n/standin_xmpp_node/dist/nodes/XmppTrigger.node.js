// Stand-in: n8n-nodes-xmpp.xmppTrigger v2 (credentials xmppApi + rabbitMqApi); its trigger starts nothing.
class XmppTrigger {
  constructor() {
    this.description = {
      displayName: 'XMPP Trigger (stand-in)',
      name: 'xmppTrigger',
      group: ['trigger'],
      version: 2,
      description: 'Test stand-in: accepts activation, receives nothing',
      defaults: { name: 'XMPP Trigger' },
      inputs: [],
      outputs: ['main'],
      credentials: [{ name: 'xmppApi', required: true }, { name: 'rabbitMqApi', required: true }],
      properties: [
        { displayName: 'Priority', name: 'priority', type: 'number', default: 10 },
        { displayName: 'IBB Timeout (s)', name: 'ibbTimeoutSec', type: 'number', default: 120 },
        { displayName: 'Emit Raw', name: 'emitRaw', type: 'boolean', default: false },
      ],
    };
  }

  async trigger() {
    return { closeFunction: async () => {} };
  }
}
module.exports = { XmppTrigger };
