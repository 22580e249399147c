// Stand-in: n8n-nodes-xmpp.xmpp v1 (send message / send file); it passes its input through.
class Xmpp {
  constructor() {
    this.description = {
      displayName: 'XMPP (stand-in)',
      name: 'xmpp',
      group: ['output'],
      version: 1,
      description: 'Test stand-in: sends nothing',
      defaults: { name: 'XMPP' },
      inputs: ['main'],
      outputs: ['main'],
      credentials: [{ name: 'xmppApi', required: true }, { name: 'rabbitMqApi', required: true }],
      properties: [
        { displayName: 'Resource', name: 'resource', type: 'options', default: 'xmpp-message',
          options: [{ name: 'Message', value: 'xmpp-message' }, { name: 'File', value: 'xmpp-file' }] },
        { displayName: 'Operation', name: 'operation', type: 'options', default: 'xmpp-sendmessage',
          options: [{ name: 'Send Message', value: 'xmpp-sendmessage' }, { name: 'Send File', value: 'xmpp-sendfile' }] },
        { displayName: 'To', name: 'to', type: 'string', default: '' },
        { displayName: 'Message', name: 'message', type: 'string', default: '' },
        { displayName: 'File (base64)', name: 'fileBase64', type: 'string', default: '' },
        { displayName: 'File Name', name: 'fileName', type: 'string', default: '' },
      ],
    };
  }

  async execute() {
    return [this.getInputData()];
  }
}
module.exports = { Xmpp };
