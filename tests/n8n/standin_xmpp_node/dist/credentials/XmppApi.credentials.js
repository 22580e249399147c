// Stand-in: the xmppApi credential type as the reference lists it (all fields required).
class XmppApi {
  constructor() {
    this.name = 'xmppApi';
    this.displayName = 'XMPP Credential';
    this.properties = [
      { displayName: 'Service', name: 'service', type: 'string', default: '', required: true },
      { displayName: 'Domain', name: 'domain', type: 'string', default: '', required: true },
      { displayName: 'JID', name: 'jid', type: 'string', default: '', required: true },
      { displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '', required: true },
    ];
  }
}
module.exports = { XmppApi };
