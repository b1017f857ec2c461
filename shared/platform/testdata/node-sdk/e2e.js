// Drives every operation of the official Node SDK @alicloud/fnf-2019-03-15 (1.2.0, on
// @alicloud/pop-core: HMAC-SHA1 RPC signatures, GET with the query by default, POST with a form
// body for the operations the SDK marks POST), plus StartSyncExecution through its request method,
// against ENDPOINT. Run by shared/platform/node_sdk_e2e_test.go with NODE_PATH at the installed
// node_modules. Environment: ENDPOINT (http://host:port), AK, SK, SUPPORTED (the Actions the
// server implements, comma-separated), PREFIX (flow name prefix). Prints one line per operation
// and exits 1 on the first failed assertion.
'use strict';
const assert = require('assert');
const http = require('http');
const FnF = require('@alicloud/fnf-2019-03-15');

const supported = new Set((process.env.SUPPORTED || '').split(','));
const prefix = process.env.PREFIX || 'node';
const client = new FnF({
  endpoint: process.env.ENDPOINT,
  accessKeyId: process.env.AK,
  accessKeySecret: process.env.SK,
  opts: { timeout: 70000 },
});
const wrong = new FnF({ endpoint: process.env.ENDPOINT, accessKeyId: process.env.AK, accessKeySecret: 'wrong-secret' });

async function expectCode(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    assert.strictEqual(err.code, code, `${what}: code ${err.code} (${err.message}), want ${code}`);
    assert.ok(err.data && err.data.RequestId, `${what}: error without RequestId`);
    console.log(`ok ${what} -> ${code}`);
    return err;
  }
  assert.fail(`${what}: succeeded, want ${code}`);
}

function ok(what, got) {
  assert.ok(got && got.RequestId, `${what}: no RequestId in ${JSON.stringify(got)}`);
  console.log(`ok ${what}`);
  return got;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitStatus(flow, name, want) {
  for (let i = 0; i < 60; i++) {
    const d = await client.describeExecution({ FlowName: flow, ExecutionName: name, WaitTimeSeconds: 1 });
    if (d.Status === want) return d;
    await sleep(200);
  }
  assert.fail(`${flow}/${name} never reached ${want}`);
}

const express = `Type: StateMachine
SpecVersion: v1
Name: ${prefix}-express
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    InputConstructor:
      greeting.$: format("Hello, {}!", $Input.name)
    End: true
`;
const standard = (name) => `Type: StateMachine
SpecVersion: v1
Name: ${name}
StartAt: Pause
States:
  - Name: Pause
    Type: Wait
    Seconds: 1
    End: true
`;
const longWait = `Type: StateMachine
SpecVersion: v1
Name: ${prefix}-long
StartAt: Long
States:
  - Name: Long
    Type: Wait
    Seconds: 300
    End: true
`;
const callback = `Type: StateMachine
SpecVersion: v1
Name: ${prefix}-callback
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Parameters:
      url.$: $Input.url
      method: POST
    End: true
`;

async function main() {
  const ex = `${prefix}-express`, std = `${prefix}-standard`, lng = `${prefix}-long`, cb = `${prefix}-callback`;

  await expectCode(wrong.listFlows({}), 'SignatureNotMatch', 'ListFlows with a wrong secret');

  let f = ok('CreateFlow', await client.createFlow({ Name: ex, Definition: express, Description: 'express', Type: 'FDL', ExecutionMode: 'Express' }));
  assert.strictEqual(f.Name, ex);
  assert.strictEqual(f.ExecutionMode, 'Express');
  assert.strictEqual(f.Type, 'FDL');
  for (const [name, def] of [[std, standard(std)], [lng, longWait], [cb, callback]]) {
    f = await client.createFlow({ Name: name, Definition: def, Description: 'node e2e', Type: 'FDL' });
    assert.strictEqual(f.ExecutionMode, 'Standard', `${name}: default ExecutionMode`);
  }
  await expectCode(client.createFlow({ Name: ex, Definition: express, Description: 'again', Type: 'FDL', ExecutionMode: 'Express' }), 'FlowAlreadyExists', 'CreateFlow again');
  await expectCode(client.createFlow({ Name: `${prefix}-bad`, Definition: 'not: [a, flow', Description: 'x', Type: 'FDL' }), 'InvalidArgument', 'CreateFlow bad definition');

  f = ok('DescribeFlow', await client.describeFlow({ Name: std }));
  assert.strictEqual(f.Definition, standard(std));
  assert.strictEqual(f.Description, 'node e2e');
  await expectCode(client.describeFlow({ Name: `${prefix}-missing` }), 'FlowNotExists', 'DescribeFlow missing');

  f = ok('UpdateFlow', await client.updateFlow({ Name: std, Description: 'revised' }));
  assert.strictEqual(f.Description, 'revised');

  const list = ok('ListFlows', await client.listFlows({ Limit: 100 }));
  const names = list.Flows.map((x) => x.Name);
  for (const n of [ex, std, lng, cb]) assert.ok(names.includes(n), `ListFlows lacks ${n}: ${names}`);

  const sync = ok('StartSyncExecution (request)', await client.request('StartSyncExecution', { FlowName: ex, Input: '{"name":"Ada"}' }, { method: 'POST' }));
  assert.strictEqual(sync.Status, 'Succeeded');
  assert.deepStrictEqual(JSON.parse(sync.Output), { greeting: 'Hello, Ada!' });

  const st = ok('StartExecution', await client.startExecution({ FlowName: std, ExecutionName: 'run-1', Input: '{"n":1}' }));
  assert.strictEqual(st.Name, 'run-1');
  assert.strictEqual(st.FlowName, std);
  await expectCode(client.startExecution({ FlowName: `${prefix}-missing`, ExecutionName: 'x' }), 'FlowNotExists', 'StartExecution missing flow');
  const done = ok('DescribeExecution', await waitStatus(std, 'run-1', 'Succeeded'));
  assert.deepStrictEqual(JSON.parse(done.Output), { n: 1 });
  await expectCode(client.describeExecution({ FlowName: std, ExecutionName: 'nope' }), 'ExecutionNotExists', 'DescribeExecution missing');

  const hist = ok('GetExecutionHistory', await client.getExecutionHistory({ FlowName: std, ExecutionName: 'run-1' }));
  const types = hist.Events.map((e) => e.Type);
  assert.strictEqual(types[0], 'ExecutionStarted', `history ${types}`);
  assert.strictEqual(types[types.length - 1], 'ExecutionSucceeded', `history ${types}`);

  const execs = ok('ListExecutions', await client.listExecutions({ FlowName: std }));
  assert.ok(execs.Executions.some((e) => e.Name === 'run-1' && e.Status === 'Succeeded'), JSON.stringify(execs.Executions));

  await client.startExecution({ FlowName: lng, ExecutionName: 'long-1' });
  await waitStatus(lng, 'long-1', 'Running');
  const stop = ok('StopExecution', await client.stopExecution({ FlowName: lng, ExecutionName: 'long-1', Error: 'Node.Stop', Cause: 'e2e' }));
  assert.strictEqual(stop.Status, 'Stopped');
  await expectCode(client.stopExecution({ FlowName: lng, ExecutionName: 'nope' }), 'ExecutionNotExists', 'StopExecution missing');

  // Callbacks: the task sends its token to a local HTTP endpoint; the SDK reports it.
  const tokens = [];
  const hook = http.createServer((req, res) => { tokens.push(req.headers['x-fnf-http-callback-task-token']); res.end('ok'); });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${hook.address().port}/`;
  for (const name of ['cb-ok', 'cb-fail']) {
    await client.startExecution({ FlowName: cb, ExecutionName: name, Input: JSON.stringify({ url }) });
  }
  for (let i = 0; i < 100 && tokens.length < 2; i++) await sleep(100);
  assert.strictEqual(tokens.length, 2, 'the callback tasks never called the hook');
  hook.close();
  const report = async (fn, what) => {
    for (let i = 0; ; i++) {
      try { return await fn(); } catch (err) {
        if (err.code !== 'TaskInvalidState' || i > 50) throw err; // the task may still be persisting
        await sleep(100);
      }
    }
  };
  const [tokOK, tokFail] = tokens; // either execution's; the outcomes are checked by status
  ok('ReportTaskSucceeded', await report(() => client.reportTaskSucceeded({ TaskToken: tokOK, Output: '{"approved":true}' })));
  ok('ReportTaskFailed', await report(() => client.reportTaskFailed({ TaskToken: tokFail, Error: 'Node.Rejected', Cause: 'no' })));
  await expectCode(client.reportTaskSucceeded({ TaskToken: 'bm90LWEtdG9rZW4', Output: '{}' }), 'InvalidArgument', 'ReportTaskSucceeded bad token');
  const outcomes = {};
  for (const n of ['cb-ok', 'cb-fail']) {
    for (let i = 0; i < 60; i++) {
      const d = await client.describeExecution({ FlowName: cb, ExecutionName: n, WaitTimeSeconds: 1 });
      if (d.Status !== 'Running' && d.Status !== 'Starting') { outcomes[d.Status] = d; break; }
    }
  }
  assert.ok(outcomes.Succeeded && outcomes.Failed, `callback outcomes ${Object.keys(outcomes)}`);
  assert.deepStrictEqual(JSON.parse(outcomes.Succeeded.Output), { approved: true });

  // Schedules: served when the server implements them, else ActionNotSupported.
  const sched = { FlowName: std, ScheduleName: 'every-minute', CronExpression: '0 * * * * *', Payload: '{}', Enable: true };
  if (supported.has('CreateSchedule')) {
    const s = ok('CreateSchedule', await client.createSchedule(sched));
    assert.strictEqual(s.ScheduleName, 'every-minute');
    ok('DescribeSchedule', await client.describeSchedule({ FlowName: std, ScheduleName: 'every-minute' }));
    ok('UpdateSchedule', await client.updateSchedule({ FlowName: std, ScheduleName: 'every-minute', Enable: false }));
    const ls = ok('ListSchedules', await client.listSchedules({ FlowName: std }));
    assert.ok(ls.Schedules.some((x) => x.ScheduleName === 'every-minute'));
    ok('DeleteSchedule', await client.deleteSchedule({ FlowName: std, ScheduleName: 'every-minute' }));
  } else {
    await expectCode(client.createSchedule(sched), 'ActionNotSupported', 'CreateSchedule');
    await expectCode(client.describeSchedule({ FlowName: std, ScheduleName: 'x' }), 'ActionNotSupported', 'DescribeSchedule');
    await expectCode(client.updateSchedule({ FlowName: std, ScheduleName: 'x' }), 'ActionNotSupported', 'UpdateSchedule');
    await expectCode(client.listSchedules({ FlowName: std }), 'ActionNotSupported', 'ListSchedules');
    await expectCode(client.deleteSchedule({ FlowName: std, ScheduleName: 'x' }), 'ActionNotSupported', 'DeleteSchedule');
  }

  ok('DeleteFlow', await client.deleteFlow({ Name: ex }));
  await expectCode(client.describeFlow({ Name: ex }), 'FlowNotExists', 'DescribeFlow after DeleteFlow');
  console.log('node SDK e2e: all operations passed');
}

main().catch((err) => {
  console.error(`FAIL: ${err.stack || err}`);
  if (err.data) console.error(JSON.stringify(err.data));
  process.exit(1);
});
