// Stand-in: the node's own rabbitMqApi credential type (not the built-in `rabbitmq`), fields per the reference.
class RabbitMqApi {
  constructor() {
    this.name = 'rabbitMqApi';
    this.displayName = 'RabbitMQ';
    this.properties = [
      { displayName: 'Method', name: 'method', type: 'options', default: 'creds',
        options: [{ name: 'URL', value: 'url' }, { name: 'Credentials', value: 'creds' }] },
      { displayName: 'URL', name: 'url', type: 'string', default: 'amqp://guest:guest@localhost:5672',
        displayOptions: { show: { method: ['url'] } } },
      { displayName: 'Host', name: 'host', type: 'string', default: 'localhost', displayOptions: { show: { method: ['creds'] } } },
      { displayName: 'Port', name: 'port', type: 'number', default: 5672, displayOptions: { show: { method: ['creds'] } } },
      { displayName: 'Username', name: 'username', type: 'string', default: '', displayOptions: { show: { method: ['creds'] } } },
      { displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '',
        displayOptions: { show: { method: ['creds'] } } },
      { displayName: 'Vhost', name: 'vhost', type: 'string', default: '/', displayOptions: { show: { method: ['creds'] } } },
      { displayName: 'SSL', name: 'ssl', type: 'boolean', default: false, displayOptions: { show: { method: ['creds'] } } },
    ];
  }
}
module.exports = { RabbitMqApi };
