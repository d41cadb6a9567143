import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const ctx = await browser.newContext({ javaScriptEnabled: false });
const page = await ctx.newPage();
page.on('crash', () => console.log('CRASH'));
page.on('close', () => console.log('CLOSE'));
browser.on('disconnected', () => console.log('DISCONNECTED'));
await page.goto('http://127.0.0.1:18089/login');
console.log(await page.evaluate(() => new Promise(r => setTimeout(() => r('timer ok'), 10))).catch(e => 'timer err ' + e.message.slice(0,100)));
console.log(await page.evaluate(() => Promise.resolve(1).then(x => x+1)).catch(e => 'promise err ' + e.message.slice(0,100)));
try {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a']).analyze();
  console.log('axe violations', r.violations.length);
} catch (e) { console.log('axe failed', e.stack.slice(0,1500)); }
await browser.close().catch(()=>{});
