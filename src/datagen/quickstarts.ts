/**
 * The quickstart data sets, with the topic names, fields, keys and value ranges that users of Confluent's datagen
 * quickstarts know, written as our own annotated Avro schemas (see generate.ts). Ids line up across data sets so
 * joins match: users.userid, pageviews.userid and stock_trades.userid are User_1..User_9; clickstream.userid and
 * clickstream_users.user_id are 1..40; clickstream.status and clickstream_codes.code share the status codes;
 * inventory.productid and purchases.product_id are product.id (1..100); ratings.user_id is 1..40 too.
 */

export interface Quickstart {
  name: string;
  /** Field whose value is the record key (as a string). */
  keyField: string;
  schema: Record<string, unknown>;
  /** Rows cycled through in order instead of random values (reference data such as status codes). */
  table?: Array<Record<string, unknown>>;
}

type Args = Record<string, unknown>;
const field = (name: string, type: string | Record<string, unknown>, args?: Args) => ({
  name,
  type: args ? { type, 'arg.properties': args } : type,
});
const record = (name: string, fields: unknown[]) => ({ type: 'record', name, namespace: 'samsa.datagen', fields });
const TIME_RANGE = { range: { min: 1487715775521, max: 1519273364600 } };
const NOW_ITERATION = () => ({ iteration: { start: Date.now(), step: 7 } });

const users = (): Quickstart => ({
  name: 'users',
  keyField: 'userid',
  schema: record('users', [
    field('registertime', 'long', TIME_RANGE),
    field('userid', 'string', { regex: 'User_[1-9]' }),
    field('regionid', 'string', { regex: 'Region_[1-9]' }),
    field('gender', 'string', { options: ['MALE', 'FEMALE', 'OTHER'] }),
  ]),
});

const pageviews = (): Quickstart => ({
  name: 'pageviews',
  keyField: 'viewtime',
  schema: record('pageviews', [
    field('viewtime', 'long', { iteration: { start: 1, step: 10 } }),
    field('userid', 'string', { regex: 'User_[1-9]' }),
    field('pageid', 'string', { regex: 'Page_[1-9][0-9]?' }),
  ]),
});

const orders = (): Quickstart => ({
  name: 'orders',
  keyField: 'orderid',
  schema: record('orders', [
    field('ordertime', 'long', TIME_RANGE),
    field('orderid', 'int', { iteration: { start: 0 } }),
    field('itemid', 'string', { regex: 'Item_[1-9][0-9]{0,2}' }),
    field('orderunits', 'double', { range: { min: 0.1, max: 10 } }),
    {
      name: 'address',
      type: {
        type: 'record',
        name: 'address',
        fields: [
          field('city', 'string', { regex: 'City_[1-9][0-9]?' }),
          field('state', 'string', { regex: 'State_[1-9][0-9]?' }),
          field('zipcode', 'long', { range: { min: 10000, max: 99999 } }),
        ],
      },
    },
  ]),
});

const STATUS_CODES: Array<[number, string]> = [
  [200, 'Successful'],
  [302, 'Redirect'],
  [404, 'Page not found'],
  [405, 'Method not allowed'],
  [406, 'Not acceptable'],
  [407, 'Proxy authentication required'],
];

const clickstream = (): Quickstart => ({
  name: 'clickstream',
  keyField: 'ip',
  schema: record('clickstream', [
    field('ip', 'string', {
      regex: '(111\\.(152|203|245)|222\\.(90|145|173)|233\\.(90|173|245))\\.[1-9][0-9]?\\.[1-9][0-9]?',
    }),
    field('userid', 'int', { range: { min: 1, max: 41 } }),
    field('remote_user', 'string', { options: ['-'] }),
    field('time', 'string', { options: ['-'] }),
    field('_time', 'long', NOW_ITERATION()),
    field('request', 'string', {
      options: [
        'GET /index.html HTTP/1.1',
        'GET /site/user_status.html HTTP/1.1',
        'GET /site/login.html HTTP/1.1',
        'GET /site/user_status.html HTTP/1.1',
        'GET /images/track.png HTTP/1.1',
        'GET /images/logo-small.png HTTP/1.1',
      ],
    }),
    field('status', 'string', { options: STATUS_CODES.map(([c]) => String(c)) }),
    field('bytes', 'string', { options: ['1289', '2048', '4096', '14096', '278', '4006', '4196', '24456'] }),
    field('referrer', 'string', { options: ['-'] }),
    field('agent', 'string', {
      options: [
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
      ],
    }),
  ]),
});

const clickstreamCodes = (): Quickstart => ({
  name: 'clickstream_codes',
  keyField: 'code',
  schema: record('clickstream_codes', [field('code', 'int'), field('definition', 'string')]),
  table: STATUS_CODES.map(([code, definition]) => ({ code, definition })),
});

const clickstreamUsers = (): Quickstart => ({
  name: 'clickstream_users',
  keyField: 'user_id',
  schema: record('clickstream_users', [
    field('user_id', 'int', { iteration: { start: 1 } }),
    field('username', 'string', {
      options: [
        'akatz1022',
        'bobk_43',
        'alison_99',
        'k_robertz_88',
        'Ferd88',
        'Reeva43',
        'Antonio_0966',
        'ArlyneW8ter',
      ],
    }),
    field('registered_at', 'long', TIME_RANGE),
    field('first_name', 'string', {
      options: ['Elwyn', 'Curran', 'Hanna', 'Ferd', 'Reeva', 'Antonio', 'Arlyne', 'Dimitri'],
    }),
    field('last_name', 'string', {
      options: ['Vanyard', 'Vears', 'Garrity', 'Trice', 'Jushcke', 'Pickstone', 'Hamill'],
    }),
    field('city', 'string', { options: ['Palo Alto', 'San Francisco', 'Raleigh', 'London', 'Frankfurt', 'New York'] }),
    field('level', 'string', { options: ['Gold', 'Silver', 'Platinum'] }),
  ]),
});

const ratings = (): Quickstart => ({
  name: 'ratings',
  keyField: 'rating_id',
  schema: record('ratings', [
    field('rating_id', 'long', { iteration: { start: 1 } }),
    field('user_id', 'int', { range: { min: 1, max: 41 } }),
    field('stars', 'int', { range: { min: 1, max: 6 } }),
    field('route_id', 'int', { range: { min: 1, max: 9999 } }),
    field('rating_time', 'long', NOW_ITERATION()),
    field('channel', 'string', { options: ['iOS', 'android', 'web', 'iOS-test', 'android-test', 'web-test'] }),
    field('message', 'string', {
      options: [
        'thank you for the most friendly, helpful experience today at your new lounge',
        'more peanuts please',
        'why is it so difficult to keep the bathrooms clean ?',
        'is this as good as it gets? really ?',
        'airport refurb looks great, will fly outta here more!',
        'your team here rocks!',
        'meh',
      ],
    }),
  ]),
});

const stockTrades = (): Quickstart => ({
  name: 'stock_trades',
  keyField: 'symbol',
  schema: record('stock_trades', [
    field('side', 'string', { options: ['BUY', 'SELL'] }),
    field('quantity', 'int', { range: { min: 1, max: 5001 } }),
    field('symbol', 'string', { options: ['ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT'] }),
    field('price', 'int', { range: { min: 5, max: 1001 } }),
    field('account', 'string', { options: ['ABC123', 'LMN456', 'XYZ789'] }),
    field('userid', 'string', { regex: 'User_[1-9]' }),
  ]),
});

const inventory = (): Quickstart => ({
  name: 'inventory',
  keyField: 'id',
  schema: record('inventory', [
    field('id', 'long', { iteration: { start: 1 } }),
    field('quantity', 'long', { range: { min: 1, max: 501 } }),
    field('productid', 'long', { range: { min: 1, max: 101 } }),
  ]),
});

const product = (): Quickstart => ({
  name: 'product',
  keyField: 'id',
  schema: record('product', [
    field('id', 'long', { iteration: { start: 1 } }),
    field('name', 'string', { regex: '(Widget|Gadget|Gizmo|Doohickey|Sprocket) (Mini|Pro|Max|Plus|Lite)' }),
    field('description', 'string', { options: ['durable', 'lightweight', 'refurbished', 'eco-friendly', 'compact'] }),
    field('price', 'double', { range: { min: 1, max: 500 } }),
  ]),
});

const purchases = (): Quickstart => ({
  name: 'purchases',
  keyField: 'id',
  schema: record('purchases', [
    field('id', 'long', { iteration: { start: 1 } }),
    field('item_type', 'string', { options: ['Widget', 'Gadget', 'Gizmo', 'Doohickey', 'Sprocket'] }),
    field('quantity', 'long', { range: { min: 1, max: 11 } }),
    field('price_per_unit', 'double', { range: { min: 1, max: 500 } }),
    field('product_id', 'long', { range: { min: 1, max: 101 } }),
    field('customer_id', 'string', { regex: 'User_[1-9]' }),
  ]),
});

const transactions = (): Quickstart => ({
  name: 'transactions',
  keyField: 'transaction_id',
  schema: record('transactions', [
    field('transaction_id', 'long', { iteration: { start: 1 } }),
    field('card_id', 'long', { range: { min: 1, max: 301 } }),
    field('user_id', 'string', { regex: 'User_[1-9]' }),
    field('purchase_id', 'long', { range: { min: 1, max: 100001 } }),
    field('store_id', 'int', { range: { min: 1, max: 11 } }),
  ]),
});

const shoes = (): Quickstart => ({
  name: 'shoes',
  keyField: 'id',
  schema: record('shoes', [
    field('id', 'string', { regex: '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' }),
    field('brand', 'string', {
      options: ['Ankunding Inc', 'Beier and Sons', 'Braun-Bruen', 'Dickens LLC', 'Hirthe Inc'],
    }),
    field('name', 'string', { regex: '(Treadmill|Trail|Court|Street|Marathon) (Runner|Racer|Walker|Glide) [1-9]000' }),
    field('sale_price', 'int', { range: { min: 2000, max: 15001 } }),
    field('rating', 'double', { range: { min: 1, max: 5 } }),
  ]),
});

export const QUICKSTARTS: Record<string, () => Quickstart> = {
  users,
  pageviews,
  orders,
  clickstream,
  clickstream_codes: clickstreamCodes,
  clickstream_users: clickstreamUsers,
  ratings,
  stock_trades: stockTrades,
  inventory,
  product,
  purchases,
  transactions,
  shoes,
};
